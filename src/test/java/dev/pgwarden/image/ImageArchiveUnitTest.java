package dev.pgwarden.image;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.zip.GZIPOutputStream;

import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveOutputStream;
import org.apache.commons.compress.archivers.tar.TarConstants;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Applying layers the way a container runtime does: order, whiteouts, modes, and no escape from the root. */
class ImageArchiveUnitTest {
    @TempDir
    Path tmp;

    record Entry(String name, String content, int mode, String link, byte type) {
        static Entry dir(String name) {
            return new Entry(name, null, 0755, null, TarConstants.LF_DIR);
        }

        static Entry file(String name, String content, int mode) {
            return new Entry(name, content, mode, null, TarConstants.LF_NORMAL);
        }

        static Entry symlink(String name, String target) {
            return new Entry(name, null, 0777, target, TarConstants.LF_SYMLINK);
        }
    }

    @Test
    void laterLayersOverwriteAndWhiteoutsDelete() throws IOException {
        Path root = extract(
                List.of(Entry.dir("etc/"), Entry.file("etc/a", "one", 0644), Entry.file("etc/b", "gone", 0644),
                        Entry.dir("cache/"), Entry.file("cache/x", "x", 0644), Entry.file("cache/y", "y", 0644)),
                List.of(Entry.file("etc/a", "two", 0600), Entry.file("etc/.wh.b", "", 0644),
                        Entry.file("cache/.wh..wh..opq", "", 0644), Entry.file("cache/z", "z", 0644),
                        Entry.file("bin/tool", "#!", 0755)));

        assertEquals("two", Files.readString(root.resolve("etc/a")));
        assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(root.resolve("etc/a"))));
        assertFalse(Files.exists(root.resolve("etc/b")), "a whiteout deletes what a lower layer added");
        assertFalse(Files.exists(root.resolve("etc/.wh.b")), "whiteouts are markers, not files");
        assertEquals(List.of("z"), names(root.resolve("cache")), "an opaque directory hides the lower layers' entries");
        assertTrue(Files.isExecutable(root.resolve("bin/tool")));
    }

    @Test
    void symlinksAreKeptAsLinks() throws IOException {
        Path root = extract(List.of(Entry.dir("lib/"), Entry.file("lib/libz.so.1.2", "elf", 0755),
                Entry.symlink("lib/libz.so.1", "libz.so.1.2")));
        assertTrue(Files.isSymbolicLink(root.resolve("lib/libz.so.1")));
        assertEquals("elf", Files.readString(root.resolve("lib/libz.so.1")));
    }

    @Test
    void entriesThatLeaveTheRootAreRefused() throws IOException {
        Path outside = Files.createDirectories(tmp.resolve("outside"));
        assertThrows(IllegalStateException.class,
                () -> extract(List.of(Entry.file("../outside/pwned", "x", 0644))));
        // A link planted by one entry must not carry a later one out of the root.
        assertThrows(IllegalStateException.class, () -> extract(List.of(Entry.symlink("escape", outside.toString()),
                Entry.file("escape/pwned", "x", 0644))));
        assertEquals(List.of(), names(outside), "nothing was written outside the root");
    }

    private Path extract(List<Entry>... layers) throws IOException {
        Path root = Files.createTempDirectory(tmp, "root").toRealPath();
        int uid = (Integer) Files.getAttribute(tmp, "unix:uid");
        int gid = (Integer) Files.getAttribute(tmp, "unix:gid");
        for (List<Entry> layer : layers) {
            Path gz = tmp.resolve("layer.tar.gz");
            try (OutputStream out = new GZIPOutputStream(Files.newOutputStream(gz));
                    TarArchiveOutputStream tar = new TarArchiveOutputStream(out)) {
                for (Entry e : layer) {
                    TarArchiveEntry t = new TarArchiveEntry(e.name(), e.type());
                    byte[] bytes = e.content() == null ? new byte[0] : e.content().getBytes(StandardCharsets.UTF_8);
                    t.setMode(e.mode());
                    t.setIds(uid, gid);
                    if (e.link() != null) {
                        t.setLinkName(e.link());
                    }
                    if (e.type() == TarConstants.LF_NORMAL) {
                        t.setSize(bytes.length);
                    }
                    tar.putArchiveEntry(t);
                    tar.write(bytes);
                    tar.closeArchiveEntry();
                }
            }
            try (var in = Files.newInputStream(gz)) {
                ImageArchive.applyLayer(root, in);
            }
        }
        return root;
    }

    private static List<String> names(Path dir) throws IOException {
        List<String> out = new ArrayList<>();
        try (var s = Files.list(dir)) {
            s.filter(p -> Files.exists(p, LinkOption.NOFOLLOW_LINKS)).forEach(p -> out.add(p.getFileName().toString()));
        }
        out.sort(null);
        return out;
    }
}
