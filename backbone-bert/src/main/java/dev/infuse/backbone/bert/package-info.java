/**
 * BERT as an Infuse backbone: {@link dev.infuse.backbone.bert.BertProvider} ({@code bert}) for
 * pre-trained weights, {@link dev.infuse.backbone.bert.RandomBertProvider} ({@code bert-random})
 * for a tiny random BERT, both producing a {@link dev.infuse.backbone.bert.BertBackbone}.
 */
package dev.infuse.backbone.bert;
