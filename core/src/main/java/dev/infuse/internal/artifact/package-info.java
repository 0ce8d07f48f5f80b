package dev.infuse.internal.artifact;
