package dev.outrigger.remote;

/** A request refused, with the reply's error kind and a message that says precisely why. */
final class Refused extends Exception {

    private static final long serialVersionUID = 1L;
    private final String kind;

    Refused(String kind, String message) {
        super(message, null, false, false);
        this.kind = kind;
    }

    String kind() {
        return kind;
    }
}
