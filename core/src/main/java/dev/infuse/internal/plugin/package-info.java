package dev.infuse.internal.plugin;
