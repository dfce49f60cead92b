package dev.pgwarden.image;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Enumeration;
import java.util.List;
import java.util.jar.JarEntry;
import java.util.jar.JarFile;
import java.util.stream.Stream;

/** Native code: the ELF binaries of a directory tree, and the native libraries packed inside jars. */
final class ElfFiles {
    private static final byte[] MAGIC = { 0x7f, 'E', 'L', 'F' };

    private ElfFiles() {
    }

    /** Regular files (not symlinks) under {@code dir} that are ELF binaries. */
    static List<Path> in(Path dir) throws IOException {
        try (Stream<Path> files = Files.walk(dir)) {
            List<Path> out = new ArrayList<>();
            for (Path f : (Iterable<Path>) files::iterator) {
                if (Files.isRegularFile(f, java.nio.file.LinkOption.NOFOLLOW_LINKS) && machine(header(f)) >= 0) {
                    out.add(f);
                }
            }
            return out;
        }
    }

    /** The ELF machine (x86-64 = 62, AArch64 = 183) of a file. */
    static int machineOf(Path elf) throws IOException {
        int machine = machine(header(elf));
        if (machine < 0) {
            throw new IllegalArgumentException(elf + " is not an ELF file");
        }
        return machine;
    }

    /**
     * Copies the {@code .so} entries of every jar under {@code dir} that are built for {@code machine}
     * into {@code into}, so their own library needs can be read. Libraries for other machines are
     * skipped: the JVM never loads them.
     */
    static List<Path> extractFromJars(Path dir, int machine, Path into) throws IOException {
        List<Path> jars;
        try (Stream<Path> files = Files.walk(dir)) {
            jars = files.filter(f -> f.toString().endsWith(".jar")).sorted().toList();
        }
        List<Path> out = new ArrayList<>();
        for (Path jar : jars) {
            try (JarFile jf = new JarFile(jar.toFile())) {
                Enumeration<JarEntry> entries = jf.entries();
                while (entries.hasMoreElements()) {
                    JarEntry e = entries.nextElement();
                    if (e.isDirectory() || !e.getName().endsWith(".so")) {
                        continue;
                    }
                    byte[] bytes;
                    try (InputStream in = jf.getInputStream(e)) {
                        bytes = in.readAllBytes();
                    }
                    if (machine(bytes) != machine) {
                        continue;
                    }
                    Path target = into.resolve(jar.getFileName().toString()).resolve(e.getName()).normalize();
                    if (!target.startsWith(into)) {
                        throw new IllegalStateException(jar + " has an entry outside its own tree: " + e.getName());
                    }
                    Files.createDirectories(target.getParent());
                    Files.write(target, bytes);
                    out.add(target);
                }
            }
        }
        return out;
    }

    private static byte[] header(Path f) throws IOException {
        try (InputStream in = Files.newInputStream(f)) {
            return in.readNBytes(20);
        }
    }

    /** e_machine (little-endian, as on every platform the image targets), or -1 if not ELF. */
    static int machine(byte[] b) {
        if (b.length < 20) {
            return -1;
        }
        for (int i = 0; i < MAGIC.length; i++) {
            if (b[i] != MAGIC[i]) {
                return -1;
            }
        }
        return (b[18] & 0xff) | (b[19] & 0xff) << 8;
    }
}
