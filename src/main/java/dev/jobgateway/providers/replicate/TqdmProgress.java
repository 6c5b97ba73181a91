package dev.jobgateway.providers.replicate;

/**
 * Progress from Replicate's logs, which carry no progress field: the latest tqdm percentage, as in
 * {@code  45%|████▌     | 45/100 [00:02<00:02, 20.1it/s]}. Read from the end, so the cost stays linear however long
 * the accumulated logs are.
 */
final class TqdmProgress {

    private TqdmProgress() {
    }

    /** The latest percentage in the logs as 0..1, or null when there is none. */
    static Double latest(String logs) {
        if (logs == null) {
            return null;
        }
        int bar = logs.lastIndexOf("%|");
        while (bar > 0) {
            int end = bar;
            int start = end;
            while (start > 0 && end - start < 3 && Character.isDigit(logs.charAt(start - 1))) {
                start--;
            }
            boolean whole = start < end && (start == 0 || !Character.isDigit(logs.charAt(start - 1)));
            if (whole) {
                int percent = Integer.parseInt(logs.substring(start, end));
                if (percent <= 100) {
                    return percent / 100.0;
                }
            }
            bar = logs.lastIndexOf("%|", bar - 1);
        }
        return null;
    }
}
