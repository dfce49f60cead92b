package dev.pgwarden.app;

import jakarta.enterprise.inject.Produces;
import jakarta.inject.Singleton;

import dev.pgwarden.proxy.CancelRegistry;
import dev.pgwarden.proxy.Sessions;

/**
 * The protocol layer's shared state as application beans. The classes themselves stay plain Java
 * (proxy knows nothing of CDI); one instance each serves every listener, the metrics and shutdown.
 */
@Singleton
public class ProxyBeans {
    @Produces
    @Singleton
    Sessions sessions() {
        return new Sessions();
    }

    @Produces
    @Singleton
    CancelRegistry cancelRegistry() {
        return new CancelRegistry();
    }
}
