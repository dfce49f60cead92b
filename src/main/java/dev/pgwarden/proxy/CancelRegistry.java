package dev.pgwarden.proxy;

import java.security.SecureRandom;
import java.util.concurrent.ConcurrentHashMap;

import dev.pgwarden.proxy.upstream.UpstreamConnector;

/**
 * Maps the BackendKeyData pgwarden hands to clients to the upstream backend it stands for.
 * Keys come from SecureRandom (a guessable key lets anyone cancel anyone's query) and are never logged.
 */
public class CancelRegistry {
    /**
     * Where a cancel for one session goes: to its upstream backend, and to {@code onCancel}, which ends
     * a statement the gateway itself holds (waiting for approval), where PostgreSQL runs nothing to cancel.
     */
    public record Target(UpstreamConnector connector, int upstreamProcessId, byte[] upstreamSecret,
            Runnable onCancel) {
        @Override
        public String toString() {
            return "Target[pid=" + upstreamProcessId + "]";
        }
    }

    /** The key a client received. */
    public record Key(int processId, int secret) {
        @Override
        public String toString() {
            return "Key[pid=" + processId + "]";
        }
    }

    private final SecureRandom random = new SecureRandom();
    private final ConcurrentHashMap<Long, Target> targets = new ConcurrentHashMap<>();

    public Key register(Target target) {
        while (true) {
            Key key = new Key(random.nextInt() & 0x7fffffff, random.nextInt());
            if (targets.putIfAbsent(pack(key.processId(), key.secret()), target) == null) {
                return key;
            }
        }
    }

    public void unregister(Key key) {
        if (key != null) {
            targets.remove(pack(key.processId(), key.secret()));
        }
    }

    /** @return true when the key matched a live session and the cancel was forwarded */
    public boolean cancel(int processId, byte[] secret) {
        if (secret.length != 4) {
            return false; // pgwarden issues 4-byte secrets; longer (protocol 3.2) ones cannot be ours
        }
        int s = ((secret[0] & 0xff) << 24) | ((secret[1] & 0xff) << 16) | ((secret[2] & 0xff) << 8) | (secret[3] & 0xff);
        Target t = targets.get(pack(processId, s));
        if (t == null) {
            return false;
        }
        t.onCancel().run();
        t.connector().cancel(t.upstreamProcessId(), t.upstreamSecret());
        return true;
    }

    public int size() {
        return targets.size();
    }

    private static long pack(int pid, int secret) {
        return ((long) pid << 32) | (secret & 0xffffffffL);
    }
}
