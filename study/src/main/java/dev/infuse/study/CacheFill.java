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
 * @param seed the seed of the development split (when the task has no development file)
 */
public record CacheFill(String task, String train, String dev, int maxLength, long seed) {}
