package dev.pgwarden.api;

import java.io.IOException;
import java.sql.Connection;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;

import io.agroal.api.AgroalDataSource;

/** Reads the gateway's store over a cursor: a read-only transaction of its own, so rows stream. */
@ApplicationScoped
public class StoreCursor {
    /** Something that reads the store over a cursor. */
    public interface Work {
        void run(Connection c) throws Exception;
    }

    @Inject
    AgroalDataSource dataSource;

    public void stream(Work work) throws IOException {
        try (Connection c = dataSource.getConnection()) {
            c.setAutoCommit(false);
            c.setReadOnly(true);
            try {
                work.run(c);
            } finally {
                c.rollback();
                c.setReadOnly(false);
                c.setAutoCommit(true);
            }
        } catch (IOException e) {
            throw e;
        } catch (Exception e) {
            throw new IOException("reading the audit store failed: " + e.getMessage(), e);
        }
    }
}
