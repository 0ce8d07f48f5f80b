/**
 * In-layer plug-ins acting inside the frozen backbone's layers through its named sites
 * ({@link dev.infuse.spi.LayerPlugin}), one package per method as in PEFT's {@code tuners/<method>}:
 * {@code lora}, {@code bottleneck} (Houlsby and Pfeiffer placements), {@code bitfit}, {@code prefix}.
 * Nothing is exported: the providers are found through {@link java.util.ServiceLoader}.
 */
module dev.infuse.layer {
    requires dev.infuse.core;
    // PEFT's adapter_config.json (lora).
    requires com.fasterxml.jackson.databind;

    provides dev.infuse.spi.LayerPluginProvider with
            dev.infuse.layer.lora.LoraProvider,
            dev.infuse.layer.bottleneck.BottleneckProvider,
            dev.infuse.layer.bitfit.BitFitProvider,
            dev.infuse.layer.prefix.PrefixProvider;
}
