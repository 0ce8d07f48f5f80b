package dev.infuse.text;
