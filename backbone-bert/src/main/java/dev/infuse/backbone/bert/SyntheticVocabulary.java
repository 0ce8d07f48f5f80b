package dev.infuse.backbone.bert;

import dev.infuse.spi.InfuseException;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * The small WordPiece vocabulary of {@code bert-random}: BERT's special tokens in BERT's order
 * ({@code [PAD]}=0, {@code [UNK]}, {@code [CLS]}, {@code [SEP]}, {@code [MASK]}), every printable
 * ASCII character, the {@code ##} continuation of letters and digits, then a few hundred common
 * lower-case English words, so any ASCII text tokenises (letter by letter at worst).
 */
final class SyntheticVocabulary {
    /** Bump when the token list changes; the file name carries it so old caches are never reused. */
    static final int VERSION = 1;

    private static final String WORDS = """
            the of and to in is was for on that with as by at from his her he she it its they them their
            this these those be been are were has have had not but or an which who whom what when where why how
            all any each more most other some such no nor only own same so than too very can will just should now
            one two three four five six seven eight nine ten first second new old good great high small large long
            little big own right left last next early young important public bad able
            year years time day days week month people man men woman women child children world life hand part
            place case point government company number group problem fact city country state states house school
            family water name word home room area money story book film music game team war party church river
            capital king queen president university member members born died known called used made became
            located based founded named played released married won wrote work works works
            would could may might must shall also after before during between into through over under about
            against among without within along around
            do does did say says said get got make go goes went come came take took see saw know knew think
            give gave find found tell told become leave feel put bring begin keep hold write stand hear let mean
            set meet run pay sit speak lie lead read grow lose fall send build stay
            american english french german british italian spanish chinese japanese russian european
            france paris germany berlin italy rome spain madrid england london china beijing japan tokyo russia
            moscow america washington canada york california texas india australia europe asia africa
            january february march april june july august september october november december
            north south east west national international new central general former
            language languages album song band series television station airport football player
            actor singer writer author politician scientist painter
            is are was were there here then yes
            """;

    private SyntheticVocabulary() {}

    /** The tokens, line number = id. */
    static List<String> tokens() {
        Set<String> t = new LinkedHashSet<>(List.of("[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"));
        for (char c = '!'; c <= '~'; c++) {
            if (!Character.isUpperCase(c)) {
                t.add(String.valueOf(c));
            }
        }
        for (char c = 'a'; c <= 'z'; c++) {
            t.add("##" + c);
        }
        for (char c = '0'; c <= '9'; c++) {
            t.add("##" + c);
        }
        for (String w : WORDS.trim().split("\\s+")) {
            t.add(w);
        }
        return List.copyOf(t);
    }

    /**
     * Writes the vocabulary to {@code dir/bert-random-vocab-v<VERSION>.txt} unless an identical file
     * is already there.
     */
    static Path write(Path dir) {
        Path file = dir.resolve("bert-random-vocab-v" + VERSION + ".txt");
        String text = String.join("\n", tokens()) + "\n";
        try {
            if (Files.isRegularFile(file) && Files.readString(file, StandardCharsets.UTF_8).equals(text)) {
                return file;
            }
            Files2.writeAtomically(file, text);
            return file;
        } catch (IOException e) {
            throw new InfuseException("backbone-invalid", "cannot write the bert-random vocabulary " + file + ": "
                    + e.getMessage(), e);
        }
    }
}
