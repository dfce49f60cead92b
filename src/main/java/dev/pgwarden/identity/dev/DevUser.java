package dev.pgwarden.identity.dev;

import java.util.List;

/** A person who may log in through the development issuer's form. */
public record DevUser(String name, String password, List<String> groups) {
    public DevUser {
        groups = List.copyOf(groups);
    }

    @Override
    public String toString() {
        return "DevUser[" + name + ", groups=" + groups + "]"; // never the password
    }
}
