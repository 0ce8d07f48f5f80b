/**
 * The Infuse service-provider interface: what a plugin jar implements.
 *
 * <p>Three kinds of provider are discovered through {@link java.util.ServiceLoader}:
 * {@link dev.infuse.spi.BackboneProvider}, {@link dev.infuse.spi.AdapterProvider} and
 * {@link dev.infuse.spi.FusionProvider}. Each creates the object that builds its part of one
 * composed TensorFlow graph through a {@link dev.infuse.spi.ModelScope}. Start with
 * {@link dev.infuse.spi.InfusePlugin} for the rules every provider follows, then
 * {@link dev.infuse.spi.KnowledgeAdapter} for the two places knowledge can enter a frozen model.
 * Reusable layers (dense, layer norm, transformer, the K-Adapter side stack) are in
 * {@link dev.infuse.nn}.
 */
package dev.infuse.spi;
