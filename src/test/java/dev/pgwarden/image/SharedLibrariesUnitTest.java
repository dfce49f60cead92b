package dev.pgwarden.image;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import java.util.SortedSet;

import org.junit.jupiter.api.Test;

import dev.pgwarden.image.SharedLibraries.Needed;

/** Reading what native code needs from ldd. */
class SharedLibrariesUnitTest {

    @Test
    void lddOutputNamesLibrariesTheLoaderAndWhatIsMissing() {
        String ldd = """
                \tlinux-vdso.so.1 (0x00007ffd4b5f3000)
                \tlibz.so.1 => /lib/x86_64-linux-gnu/libz.so.1 (0x00007f2c1c2a1000)
                \tlibjli.so => /opt/jdk/bin/../lib/libjli.so (0x00007f2c1c291000)
                \tlibjvm.so => not found
                \tlibc.so.6 => /lib/x86_64-linux-gnu/libc.so.6 (0x00007f2c1c0af000)
                \t/lib64/ld-linux-x86-64.so.2 (0x00007f2c1c2c3000)
                """;
        assertEquals(List.of(new Needed("libz.so.1", "/lib/x86_64-linux-gnu/libz.so.1"),
                new Needed("libjli.so", "/opt/jdk/bin/../lib/libjli.so"),
                new Needed("libjvm.so", null),
                new Needed("libc.so.6", "/lib/x86_64-linux-gnu/libc.so.6"),
                new Needed("ld-linux-x86-64.so.2", "/lib64/ld-linux-x86-64.so.2")), SharedLibraries.parse(ldd));
        assertEquals(List.of(), SharedLibraries.parse("\tstatically linked\n"));
        assertThrows(IllegalArgumentException.class, () -> SharedLibraries.parse("\tsomething => else entirely here\n"));
    }

    @Test
    void theRunningJvmNeedsLibcAndTheLoaderButNotItsOwnLibraries() throws Exception {
        Path jdk = Path.of(System.getProperty("java.home"));
        Path java = jdk.resolve("bin/java");
        SortedSet<String> host = SharedLibraries.neededBy(List.of(java), List.of(jdk.toRealPath(), jdk), Set.of());
        assertTrue(host.stream().anyMatch(p -> p.endsWith("/libc.so.6")), host.toString());
        assertTrue(host.stream().anyMatch(p -> p.contains("ld-linux")), host.toString());
        assertTrue(host.stream().noneMatch(p -> p.contains("libjli")), "libjli travels with the runtime: " + host);
        for (String p : host) {
            assertTrue(Files.exists(Path.of(p)), p);
        }
    }

    @Test
    void aLibraryNobodyCanFindFailsTheBuild() throws Exception {
        Path libjava = Path.of(System.getProperty("java.home"), "lib/libjava.so");
        // libjava.so finds libjvm.so only once the JVM has loaded it: ldd reports it missing.
        IllegalStateException e = assertThrows(IllegalStateException.class,
                () -> SharedLibraries.neededBy(List.of(libjava), List.of(), Set.of()));
        assertTrue(e.getMessage().contains("libjvm.so"), e.getMessage());
        SharedLibraries.neededBy(List.of(libjava), List.of(), Set.of("libjvm.so"));
    }
}
