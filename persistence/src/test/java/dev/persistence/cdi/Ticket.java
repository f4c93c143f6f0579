package dev.persistence.cdi;

/** Stands for a calling convention marked by a last parameter, as Kotlin's {@code Continuation} marks a suspend function. */
public final class Ticket {
}
