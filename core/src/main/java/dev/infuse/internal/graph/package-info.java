package dev.infuse.internal.graph;
