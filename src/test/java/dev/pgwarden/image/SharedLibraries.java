package dev.pgwarden.image;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Set;
import java.util.SortedSet;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import dev.pgwarden.testing.ProcessResult;
import dev.pgwarden.testing.ProcessRunner;

/**
 * The machine's shared libraries that native code needs (libc, libz, the dynamic loader...), read
 * with {@code ldd}: an image built from scratch has none of its own.
 */
final class SharedLibraries {
    /** {@code name => /path (0x...)}, {@code name => not found}, or {@code /path (0x...)} for the loader. */
    private static final Pattern LINE = Pattern.compile("^\\s*(\\S+)(?:\\s+=>\\s+(not found|\\S+))?(?:\\s+\\(0x[0-9a-f]+\\))?\\s*$");

    /** One library an ELF file needs; {@code path} is null when ldd could not find it. */
    record Needed(String name, String path) {
    }

    private SharedLibraries() {
    }

    /**
     * Absolute paths of the host libraries {@code elfFiles} need, as the dynamic loader found them
     * (the paths to give them in the image). Libraries inside {@code ownTrees} travel with the image
     * already; a library nobody can find, and that no file in {@code ownTrees} is named like, fails
     * the build rather than an image that cannot start.
     */
    static SortedSet<String> neededBy(Collection<Path> elfFiles, Collection<Path> ownTrees, Set<String> ownNames) {
        SortedSet<String> host = new TreeSet<>();
        List<String> missing = new ArrayList<>();
        for (Path elf : elfFiles) {
            ProcessResult r = ProcessRunner.of("ldd", elf.toString()).timeout(Duration.ofSeconds(30)).run();
            if (!r.succeeded()) {
                throw new IllegalStateException("ldd cannot read " + elf + ": " + r.describe());
            }
            for (Needed n : parse(r.stdout())) {
                if (n.path() == null) {
                    if (!ownNames.contains(n.name())) {
                        missing.add(elf + " needs " + n.name());
                    }
                    continue;
                }
                Path p = Path.of(n.path()).normalize();
                if (ownTrees.stream().noneMatch(p::startsWith)) {
                    host.add(p.toString());
                }
            }
        }
        if (!missing.isEmpty()) {
            throw new IllegalStateException("libraries not found on this machine: " + missing);
        }
        return host;
    }

    /** The libraries of one {@code ldd} output; the kernel's vDSO (no file) is left out. */
    static List<Needed> parse(String lddOutput) {
        List<Needed> out = new ArrayList<>();
        for (String line : lddOutput.split("\n")) {
            if (line.isBlank() || line.contains("statically linked")) {
                continue;
            }
            Matcher m = LINE.matcher(line);
            if (!m.matches()) {
                throw new IllegalArgumentException("unexpected ldd line: " + line.strip());
            }
            String name = m.group(1);
            String target = m.group(2);
            if (target == null || target.startsWith("(")) {
                if (name.startsWith("/")) {
                    out.add(new Needed(Path.of(name).getFileName().toString(), name));
                }
                // else: linux-vdso.so.1, provided by the kernel (older ldd prints "vdso => (0x...)")
            } else if ("not found".equals(target)) {
                out.add(new Needed(name, null));
            } else {
                out.add(new Needed(name, target));
            }
        }
        return out;
    }
}
