package dev.pgwarden.image;

import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermission;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.zip.GZIPInputStream;

import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveInputStream;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

/**
 * An image tarball in the {@code docker save} layout (manifest.json, the config, one gzipped tar per
 * layer), read the way a container runtime reads it: the config as JSON, the layers applied in order
 * onto one root directory, with whiteouts.
 */
final class ImageArchive {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String WHITEOUT = ".wh.";
    private static final String OPAQUE = ".wh..wh..opq";

    private final JsonNode manifest;
    private final JsonNode config;
    private final List<Path> layers;

    private ImageArchive(JsonNode manifest, JsonNode config, List<Path> layers) {
        this.manifest = manifest;
        this.config = config;
        this.layers = layers;
    }

    /** Unpacks the tarball's members into {@code scratch} and reads its manifest and config. */
    static ImageArchive open(Path tarball, Path scratch) throws IOException {
        Map<String, Path> members = new HashMap<>();
        try (TarArchiveInputStream in = new TarArchiveInputStream(new BufferedInputStream(Files.newInputStream(tarball)))) {
            TarArchiveEntry e;
            int n = 0;
            while ((e = in.getNextEntry()) != null) {
                if (e.isFile()) {
                    Path member = scratch.resolve("member-" + n++);
                    Files.copy(in, member);
                    members.put(e.getName(), member);
                }
            }
        }
        JsonNode manifests = JSON.readTree(require(members, "manifest.json").toFile());
        if (manifests.size() != 1) {
            throw new IllegalStateException("expected one image in the tarball, found " + manifests.size());
        }
        JsonNode manifest = manifests.get(0);
        JsonNode config = JSON.readTree(require(members, manifest.path("Config").asText()).toFile());
        List<Path> layers = new ArrayList<>();
        for (JsonNode layer : manifest.path("Layers")) {
            layers.add(require(members, layer.asText()));
        }
        return new ImageArchive(manifest, config, layers);
    }

    /** {@code RepoTags} of the image, e.g. {@code pgwarden:0.1.0}. */
    List<String> repoTags() {
        List<String> tags = new ArrayList<>();
        manifest.path("RepoTags").forEach(t -> tags.add(t.asText()));
        return tags;
    }

    /** The image configuration (architecture, os, rootfs, and {@code config} with User, Env...). */
    JsonNode config() {
        return config;
    }

    int layerCount() {
        return layers.size();
    }

    /** The paths one layer adds, e.g. {@code deployments/lib/main/x.jar}. */
    List<String> layerPaths(int index) throws IOException {
        List<String> names = new ArrayList<>();
        try (TarArchiveInputStream in = layer(index)) {
            TarArchiveEntry e;
            while ((e = in.getNextEntry()) != null) {
                names.add(relative(e.getName()));
            }
        }
        return names;
    }

    /** Applies every layer, in order, to {@code root}: modes and numeric owners as recorded. */
    void extractTo(Path root) throws IOException {
        Files.createDirectories(root);
        for (Path layer : layers) {
            try (InputStream in = Files.newInputStream(layer)) {
                applyLayer(root.toRealPath(), in);
            }
        }
    }

    /** Applies one layer blob (a tar, gzipped or not) to {@code root}, a real path. */
    static void applyLayer(Path root, InputStream blob) throws IOException {
        try (TarArchiveInputStream in = tar(blob)) {
            TarArchiveEntry e;
            while ((e = in.getNextEntry()) != null) {
                apply(root, e, in);
            }
        }
    }

    private static void apply(Path root, TarArchiveEntry e, InputStream content) throws IOException {
        String name = relative(e.getName());
        if (name.isEmpty()) {
            return;
        }
        Path target = inside(root, name);
        String base = target.getFileName().toString();
        if (base.equals(OPAQUE)) {
            // An opaque directory: what lower layers put in it is gone.
            Path dir = target.getParent();
            if (Files.isDirectory(dir, LinkOption.NOFOLLOW_LINKS)) {
                try (var children = Files.list(dir)) {
                    for (Path c : children.toList()) {
                        FileTrees.delete(c);
                    }
                }
            }
            return;
        }
        if (base.startsWith(WHITEOUT)) {
            FileTrees.delete(target.resolveSibling(base.substring(WHITEOUT.length())));
            return;
        }
        if (e.isDirectory()) {
            if (!Files.isDirectory(target, LinkOption.NOFOLLOW_LINKS)) {
                FileTrees.delete(target);
                Files.createDirectories(target);
            }
        } else {
            Files.createDirectories(target.getParent());
            FileTrees.delete(target);
            if (e.isSymbolicLink()) {
                Files.createSymbolicLink(target, Path.of(e.getLinkName()));
                return;
            } else if (e.isLink()) {
                Files.createLink(target, inside(root, relative(e.getLinkName())));
                return;
            } else if (e.isFile()) {
                Files.copy(content, target, StandardCopyOption.REPLACE_EXISTING);
            } else {
                throw new IllegalStateException("unsupported entry type in layer: " + e.getName());
            }
        }
        Files.setPosixFilePermissions(target, permissions(e.getMode()));
        Files.setAttribute(target, "unix:uid", (int) e.getLongUserId(), LinkOption.NOFOLLOW_LINKS);
        Files.setAttribute(target, "unix:gid", (int) e.getLongGroupId(), LinkOption.NOFOLLOW_LINKS);
    }

    /**
     * {@code root/name}, refusing names that leave the root, directly ({@code ../}) or through a
     * symlink an earlier entry planted.
     */
    static Path inside(Path root, String name) throws IOException {
        Path target = root.resolve(name).normalize();
        if (!target.startsWith(root) || target.equals(root)) {
            throw new IllegalStateException("layer entry outside the root: " + name);
        }
        Path parent = target.getParent();
        while (!Files.exists(parent, LinkOption.NOFOLLOW_LINKS)) {
            parent = parent.getParent();
        }
        if (!parent.toRealPath().startsWith(root)) {
            throw new IllegalStateException("layer entry reaches outside the root through a symlink: " + name);
        }
        return target;
    }

    private static String relative(String name) {
        String n = name;
        while (n.startsWith("./") || n.startsWith("/")) {
            n = n.startsWith("./") ? n.substring(2) : n.substring(1);
        }
        return n.endsWith("/") ? n.substring(0, n.length() - 1) : n;
    }

    /** Mode bits to POSIX permissions; setuid/setgid/sticky have no NIO equivalent and are dropped. */
    static Set<PosixFilePermission> permissions(int mode) {
        Set<PosixFilePermission> p = EnumSet.noneOf(PosixFilePermission.class);
        PosixFilePermission[] order = { PosixFilePermission.OTHERS_EXECUTE, PosixFilePermission.OTHERS_WRITE,
                PosixFilePermission.OTHERS_READ, PosixFilePermission.GROUP_EXECUTE, PosixFilePermission.GROUP_WRITE,
                PosixFilePermission.GROUP_READ, PosixFilePermission.OWNER_EXECUTE, PosixFilePermission.OWNER_WRITE,
                PosixFilePermission.OWNER_READ };
        for (int bit = 0; bit < order.length; bit++) {
            if ((mode & (1 << bit)) != 0) {
                p.add(order[bit]);
            }
        }
        return p;
    }

    private TarArchiveInputStream layer(int index) throws IOException {
        return tar(Files.newInputStream(layers.get(index)));
    }

    /** docker save writes plain tars, Jib gzipped ones: both are valid layer blobs. */
    private static TarArchiveInputStream tar(InputStream blob) throws IOException {
        InputStream raw = new BufferedInputStream(blob);
        raw.mark(2);
        int b1 = raw.read();
        int b2 = raw.read();
        raw.reset();
        return new TarArchiveInputStream(b1 == 0x1f && b2 == 0x8b ? new GZIPInputStream(raw) : raw);
    }

    private static Path require(Map<String, Path> members, String name) {
        Path p = members.get(name);
        if (p == null) {
            throw new IllegalStateException("the tarball has no " + name);
        }
        return p;
    }
}
