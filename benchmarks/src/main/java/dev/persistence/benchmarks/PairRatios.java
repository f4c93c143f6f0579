package dev.persistence.benchmarks;

import java.util.Arrays;
import java.util.Collection;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import org.openjdk.jmh.infra.BenchmarkParams;
import org.openjdk.jmh.results.BenchmarkResult;
import org.openjdk.jmh.results.IterationResult;
import org.openjdk.jmh.results.Result;
import org.openjdk.jmh.results.RunResult;
import org.openjdk.jmh.runner.Runner;
import org.openjdk.jmh.runner.options.CommandLineOptions;
import org.openjdk.jmh.runner.options.OptionsBuilder;
import org.openjdk.jmh.runner.options.TimeValue;
import org.openjdk.jmh.util.ListStatistics;

/**
 * {@code PairRatios <numerator>/<denominator> [JMH options and benchmark patterns]}: runs JMH as its
 * command line would (its usual output included), then prints, for each benchmark and parameter
 * set, the per-iteration ratio {@code numerator / denominator} of two counters as its mean and
 * 99.9 % confidence interval over all measured iterations (as JMH computes an error), and each
 * side's mean time per pair when the benchmark counts its {@code pairs}. A ratio whose error exceeds
 * a quarter of its mean is marked as noise.
 */
public final class PairRatios {

    /*
     * Runs JMH benchmarks that time both sides of a comparison in alternating pairs (an
     *
     * @AuxCounters state with one nanosecond counter per side and, optionally, a "pairs" counter) and
     * summarises each as a ratio over the measured iterations of every fork.
     */

    private PairRatios() {
    }

    public static void main(String[] args) throws Exception {
        if (args.length < 1 || !args[0].contains("/")) {
            System.err
                    .println("Usage: PairRatios <numeratorCounter>/<denominatorCounter> [JMH options and benchmark patterns]");
            System.exit(2);
        }
        String numerator = args[0].substring(0, args[0].indexOf('/')),
                denominator = args[0].substring(args[0].indexOf('/') + 1);
        String[] jmhArgs = Arrays.copyOfRange(args, 1, args.length);
        Collection<RunResult> results = new Runner(new OptionsBuilder().parent(new CommandLineOptions(jmhArgs)).build()).run();
        System.out.println();
        System.out.printf(Locale.ROOT, "Pairs: %s / %s per iteration, mean ± 99.9 %% interval over all measured iterations%n",
                numerator, denominator);
        for (RunResult run : results) {
            ListStatistics ratios = new ListStatistics(), numeratorPerPair = new ListStatistics(),
                    denominatorPerPair = new ListStatistics();
            TimeUnit unit = run.getParams().getTimeUnit();
            double nanosPerUnit = unit.toNanos(1);
            for (BenchmarkResult fork : run.getBenchmarkResults()) {
                for (IterationResult iteration : fork.getIterationResults()) {
                    Map<String, Result> counters = iteration.getSecondaryResults();
                    double top = score(counters, numerator), bottom = score(counters, denominator);
                    ratios.addValue(top / bottom);
                    Result pairs = counters.get("pairs");
                    if (pairs != null) {
                        numeratorPerPair.addValue(top / pairs.getScore() / nanosPerUnit);
                        denominatorPerPair.addValue(bottom / pairs.getScore() / nanosPerUnit);
                    }
                }
            }
            BenchmarkParams params = run.getParams();
            StringBuilder label = new StringBuilder(params.getBenchmark().replaceFirst(".*\\.(\\w+\\.\\w+)$", "$1"));
            for (String key : params.getParamsKeys()) {
                label.append(' ').append(key).append('=').append(params.getParam(key));
            }
            System.out.printf(Locale.ROOT, "  %s (%d iterations): ratio %s", label, ratios.getN(), figure(ratios, "%.3f"));
            if (numeratorPerPair.getN() > 0) {
                String symbol = TimeValue.tuToString(unit);
                System.out.printf(Locale.ROOT, "; %s %s %s, %s %s %s per pair", numerator, figure(numeratorPerPair, "%.1f"),
                        symbol,
                        denominator, figure(denominatorPerPair, "%.1f"), symbol);
            }
            System.out.println();
        }
    }

    private static double score(Map<String, Result> counters, String name) {
        Result counter = counters.get(name);
        if (counter == null) {
            throw new IllegalArgumentException("No counter " + name + " among " + counters.keySet());
        }
        return counter.getScore();
    }

    /** Mean ± error, marked as noise when the error exceeds a quarter of the mean. */
    static String figure(ListStatistics statistics, String format) {
        double mean = statistics.getMean(), error = statistics.getMeanErrorAt(0.999);
        String text = String.format(Locale.ROOT, format + " ± " + format, mean, error);
        return error > Math.abs(mean) / 4 ? text + " (NOISE: error above a quarter of the mean)" : text;
    }
}
