/**
 * Artifact storage: the safetensors codec, atomic file and folder writes, and the
 * {@code adapter_config.json} mapping. Users reach it through {@link dev.infuse.api.Artifacts} and
 * {@link dev.infuse.api.SafeTensors}.
 */
package dev.infuse.internal.artifact;
