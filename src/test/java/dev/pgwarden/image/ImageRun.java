package dev.pgwarden.image;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Runs an image's entrypoint in an extracted root file system without a container runtime, doing
 * what a runtime does: a private mount namespace with /proc and the machine's /dev mounted in the
 * root, then chroot, working directory and the image's user (no supplementary groups). Needs root
 * and util-linux. The mounts vanish with the namespace when the process ends.
 */
final class ImageRun {
    /** Runs as sh's $0..: root, working directory, uid, gid, mount, unshare, then the entrypoint. */
    private static final String SCRIPT = "root=$1 wd=$2 uid=$3 gid=$4 mount=$5 unshare=$6; shift 6; "
            + "\"$mount\" -t proc proc \"$root/proc\" && \"$mount\" --rbind /dev \"$root/dev\" && "
            + "exec \"$unshare\" --root=\"$root\" --wd=\"$wd\" --setgid=\"$gid\" --setuid=\"$uid\" -- \"$@\"";

    private ImageRun() {
    }

    /**
     * Starts {@code entrypoint} with exactly {@code env} (nothing inherited); output goes to {@code log}.
     * The returned process is the entrypoint itself (each step execs the next), so destroy() sends
     * it SIGTERM as {@code docker stop} would.
     */
    static Process start(Path root, String workingDir, int uid, int gid, List<String> entrypoint,
            Map<String, String> env, Path log) throws IOException {
        String unshare = tool("unshare");
        List<String> cmd = new ArrayList<>(List.of(unshare, "--mount", "--propagation", "private", "--",
                tool("sh"), "-c", SCRIPT, "sh", root.toString(), workingDir.isEmpty() ? "/" : workingDir,
                Integer.toString(uid), Integer.toString(gid), tool("mount"), unshare));
        cmd.addAll(entrypoint);
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(log.toFile());
        pb.environment().clear();
        pb.environment().putAll(env);
        return pb.start();
    }

    /** The machine's own copy of a tool (the image's PATH is of no use before the chroot). */
    private static String tool(String name) {
        for (String dir : List.of("/usr/bin", "/bin", "/usr/sbin", "/sbin")) {
            Path p = Path.of(dir, name);
            if (Files.isExecutable(p)) {
                return p.toString();
            }
        }
        throw new IllegalStateException(name + " not found: running an image without Docker needs util-linux");
    }
}
