package dev.infuse.api;
