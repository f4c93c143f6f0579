package dev.persistence.quarkus.deployment.build;

/** The text of a failed build, for assertions on what it reports. */
final class FailureText {

    private FailureText() {
    }

    /** Every exception of {@code failure}'s cause chain and their suppressed ones, one a line. */
    static String of(Throwable failure) {
        StringBuilder all = new StringBuilder();
        for (Throwable t = failure; t != null; t = t.getCause()) {
            all.append(t).append('\n');
            for (Throwable s : t.getSuppressed()) {
                all.append(s).append('\n');
            }
        }
        return all.toString();
    }
}
