/** Knowledge-graph triples, entity embeddings, TransE training and link prediction. */
package dev.infuse.kg;
