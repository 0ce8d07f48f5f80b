/**
 * Reusable neural-network building blocks for plugins: {@link dev.infuse.nn.Dense},
 * {@link dev.infuse.nn.LayerNorm}, {@link dev.infuse.nn.TransformerLayer} (BERT's layer and
 * parameter names) and the K-Adapter side network {@link dev.infuse.nn.SideAdapterStack}. Every
 * block creates its parameters through a {@link dev.infuse.spi.ModelScope}, so trainability,
 * saving and loading are handled by the runtime.
 */
package dev.infuse.nn;
