package dev.infuse.adapter.kilm;

import dev.infuse.spi.InfuseException;
import java.util.List;

/**
 * The five KILM special tokens, in the order the adapter adds them and owns their embeddings:
 * {@code <ent> </ent> <ent_desc> </ent_desc> <sep>}. An entity is written
 * {@code <ent>mention</ent><ent_desc>title<sep>description</ent_desc>}.
 *
 * @param entityStart opens the mention
 * @param entityEnd closes the mention
 * @param descriptionStart opens the description
 * @param descriptionEnd closes the description
 * @param separator between the title and the description
 */
public record KilmTokens(String entityStart, String entityEnd, String descriptionStart, String descriptionEnd,
        String separator) {

    /** The paper's spelling. */
    public static final KilmTokens DEFAULT = new KilmTokens("<ent>", "</ent>", "<ent_desc>", "</ent_desc>", "<sep>");

    /** The tokens in id order. */
    public List<String> asList() {
        return List.of(entityStart, entityEnd, descriptionStart, descriptionEnd, separator);
    }

    /** The default tokens as the comma-separated text of the {@code tokens} key. */
    public String joined() {
        return String.join(",", asList());
    }

    /**
     * Parses the {@code tokens} key: exactly five comma-separated, non-empty tokens without spaces.
     *
     * @throws InfuseException {@code config-bad-value} otherwise
     */
    public static KilmTokens parse(String owner, String text) {
        String[] parts = text.split(",", -1);
        if (parts.length != 5) {
            throw new InfuseException("config-bad-value", owner + ": key 'tokens' has value '" + text
                    + "' but expected five comma-separated tokens such as " + DEFAULT.joined());
        }
        for (int i = 0; i < 5; i++) {
            parts[i] = parts[i].trim();
            if (parts[i].isEmpty() || parts[i].chars().anyMatch(Character::isWhitespace)) {
                throw new InfuseException("config-bad-value", owner + ": key 'tokens' has value '" + text
                        + "' but token #" + (i + 1) + " is empty or contains a space");
            }
        }
        return new KilmTokens(parts[0], parts[1], parts[2], parts[3], parts[4]);
    }
}
