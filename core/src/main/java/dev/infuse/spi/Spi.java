package dev.infuse.spi;

/**
 * The version of the Infuse SPI, and the handshake every plugin takes part in.
 *
 * <p>Every provider returns {@link #VERSION} from {@link InfusePlugin#requestedSpiVersion()}.
 * Because {@code VERSION} is a compile-time constant, {@code javac} copies its value into the
 * plugin's own class file: the host therefore sees the SPI version the plugin was
 * <em>built against</em>, not the one it runs with. The host then applies {@link SpiVersion#accepts}:
 * another major version is refused with a message naming the plugin; a newer minor version than the
 * host's is refused too (the plugin may call methods the host lacks); an older minor is accepted.
 */
public final class Spi {
    /** Major.minor version of this SPI. Minor versions only add default methods and new types. */
    public static final String VERSION = "1.3";

    private Spi() {}
}
