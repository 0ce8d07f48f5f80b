package dev.infuse.spi;

import java.util.Objects;

/**
 * A place inside every transformer layer of a backbone where a {@link LayerPlugin} may act, named like
 * the target modules of Hugging Face's PEFT. A backbone lists the sites it offers in
 * {@link Backbone#layerSites()}; each kind admits exactly the edits named below and nothing else.
 *
 * <p>BERT offers: {@code query}, {@code key}, {@code value}, {@code attention.output},
 * {@code intermediate}, {@code output} (linear products, {@link Kind#LINEAR}); {@code attention.layer_norm},
 * {@code output.layer_norm} ({@link Kind#LAYER_NORM}); {@code attention.residual} and
 * {@code ffn.residual}, the outputs of the attention and feed-forward sub-layers before their residual
 * sum and layer norm ({@link Kind#RESIDUAL}); and {@code attention.prefix}, the keys and values
 * attended to ({@link Kind#ATTENTION_PREFIX}).
 *
 * @param name the site's name, the same in every layer
 * @param kind what can be done there
 * @param inputSize width of the site's input ({@code in} of a linear; the hidden size otherwise)
 * @param outputSize width of the site's output ({@code out} of a linear; the hidden size otherwise)
 */
public record LayerSite(String name, Kind kind, int inputSize, int outputSize) {

    /** What a plug-in may do at a site. */
    public enum Kind {
        /**
         * A frozen linear {@code y = x W + b}: add a trainable {@link SiteEdit.LinearDelta} computed from
         * {@code x} (LoRA), or a trainable {@link SiteEdit.BiasOffset} to {@code b} (BitFit).
         */
        LINEAR,
        /** A frozen layer norm: a trainable {@link SiteEdit.BiasOffset} to its shift (BitFit). */
        LAYER_NORM,
        /**
         * A sub-layer's output {@code h} before {@code LayerNorm(h + residual)}: a trainable
         * {@link SiteEdit.Residual} module {@code f}, giving {@code h + f(h)} (bottleneck adapters).
         */
        RESIDUAL,
        /** The attention's keys and values: trainable vectors prepended to them ({@link SiteEdit.Prefix}). */
        ATTENTION_PREFIX;

        /** Whether an edit of this type may be applied at a site of this kind. */
        public boolean admits(SiteEdit edit) {
            return switch (this) {
                case LINEAR -> edit instanceof SiteEdit.LinearDelta || edit instanceof SiteEdit.BiasOffset;
                case LAYER_NORM -> edit instanceof SiteEdit.BiasOffset;
                case RESIDUAL -> edit instanceof SiteEdit.Residual;
                case ATTENTION_PREFIX -> edit instanceof SiteEdit.Prefix;
            };
        }
    }

    public LayerSite {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(kind, "kind");
    }
}
