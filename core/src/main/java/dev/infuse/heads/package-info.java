/** Reusable task heads: the trainable top of a model and its loss. */
package dev.infuse.heads;
