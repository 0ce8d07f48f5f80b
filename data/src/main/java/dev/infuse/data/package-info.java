/** Data-set readers, records and official metrics. */
package dev.infuse.data;
