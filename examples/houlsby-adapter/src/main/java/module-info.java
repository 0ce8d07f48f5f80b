/** A Houlsby-style bottleneck side adapter, written against the Infuse SPI only. */
module com.example.houlsby {
    requires dev.infuse.core;

    provides dev.infuse.spi.AdapterProvider with com.example.houlsby.HoulsbyAdapterProvider;
}
