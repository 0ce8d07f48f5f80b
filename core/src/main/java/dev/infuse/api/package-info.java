/**
 * The user-facing runtime: {@link dev.infuse.api.PluginRegistry} finds every plugin (module path,
 * class path and the plugins folder) and looks providers up by name; {@link dev.infuse.api.Infuse}
 * wires them with Guice and creates backbones, adapters and fusions with a
 * {@link dev.infuse.spi.PluginContext} per plugin.
 */
package dev.infuse.api;
