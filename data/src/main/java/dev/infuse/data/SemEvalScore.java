package dev.infuse.data;

import java.util.Map;

/**
 * The SemEval-2010 Task 8 official score: (9+1)-way evaluation with directionality taken into
 * account. Values are fractions; the official scorer prints {@code 100 * macroF1} with 2 decimals.
 *
 * @param macroF1 the official score: mean F1 over the relation types present in the gold key,
 *     {@code Other} excluded
 * @param macroPrecision mean precision over the same types
 * @param macroRecall mean recall over the same types
 * @param perType P/R/F1 per relation type present in the gold key, {@code Other} included
 */
public record SemEvalScore(double macroF1, double macroPrecision, double macroRecall, Map<String, Prf> perType) {
    public SemEvalScore {
        perType = Map.copyOf(perType);
    }
}
