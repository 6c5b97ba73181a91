package dev.jobgateway.bench;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * CPU time a process has used, from {@code /proc/<pid>/stat}. On one shared machine CPU is what bounds every
 * process, so the scenarios report CPU per request next to requests per second.
 */
final class CpuTime {

    private static long clockTicks;

    private CpuTime() {
    }

    /** User plus system time, in ms. */
    static double ms(long pid) throws Exception {
        String stat = Files.readString(Path.of("/proc", Long.toString(pid), "stat"));
        // The command name in parentheses may hold spaces: count fields from after its closing parenthesis.
        String[] fields = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
        // fields[0] is the state (field 3): utime and stime are fields 14 and 15
        long ticks = Long.parseLong(fields[11]) + Long.parseLong(fields[12]);
        return ticks * 1000.0 / clockTicksPerSecond();
    }

    private static synchronized long clockTicksPerSecond() throws Exception {
        if (clockTicks == 0) {
            clockTicks = Long.parseLong(Exec.run(List.of("getconf", "CLK_TCK")).trim());
        }
        return clockTicks;
    }
}
