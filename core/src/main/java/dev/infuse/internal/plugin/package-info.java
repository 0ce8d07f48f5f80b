/**
 * Plugin loading behind {@link dev.infuse.api.PluginRegistry}: the per-plugin
 * {@link dev.infuse.internal.plugin.PluginClassLoader}, the plugins-folder scan, the checked
 * {@link java.util.ServiceLoader} scan, and the Guice wiring of plugin modules. Not exported.
 */
package dev.infuse.internal.plugin;
