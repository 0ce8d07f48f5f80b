package dev.infuse.study;

/**
 * One activation cache a study's pending cells will read: the frozen backbone's default taps over
 * the training and development texts of a task, featurised as its cells featurise them. A cluster
 * backend computes these ahead of the cells ({@link StudyRunner#fillActivationCache}), once per data
 * set, into the shared cache folder.
 *
 * @param task the task
 * @param train training file override, or null
 * @param dev development file override, or null
 * @param maxLength word pieces per example
 * @param seed the data seed: of the development split (when the task has no development file) and of subsets
 * @param maxTrain the training subset's size ({@code max_train}), 0 for all
 * @param options the task options the cells use (the entry's, its markers, a twin's), as they change the texts
 */
public record CacheFill(String task, String train, String dev, int maxLength, long seed, int maxTrain,
        java.util.Map<String, Object> options) {
    public CacheFill {
        // A sorted copy: equal fills compare equal whatever the options' order (fills are de-duplicated in a set).
        options = options == null ? java.util.Map.of() : java.util.Collections.unmodifiableMap(new java.util.TreeMap<>(options));
    }
}
