package dev.outrigger.bridge;

import java.util.function.Consumer;

/**
 * The port as an RFC 2217 client changes it, each change also said in words ({@code baud 57600},
 * {@code DTR off}) for {@code bridge:tap}: a wrong baud rate, or DTR left on for a stick that needs
 * it off, is what a tap is usually wanted for. Queries are not said.
 */
final class SettingsSaid implements Rfc2217.Port {

    private static final String[] PARITY = { "none", "odd", "even", "mark", "space" };

    private final Rfc2217.Port port;
    private final Consumer<String> said;

    SettingsSaid(Rfc2217.Port port, Consumer<String> said) {
        this.port = port;
        this.said = said;
    }

    @Override
    public int baud(int requested) {
        if (requested > 0) {
            said.accept("baud " + requested);
        }
        return port.baud(requested);
    }

    @Override
    public int dataBits(int requested) {
        if (requested > 0) {
            said.accept("data bits " + requested);
        }
        return port.dataBits(requested);
    }

    @Override
    public int parity(int requested) {
        if (requested >= 1 && requested <= PARITY.length) {
            said.accept("parity " + PARITY[requested - 1]);
        }
        return port.parity(requested);
    }

    @Override
    public int stopBits(int requested) {
        switch (requested) {
            case 1 -> said.accept("stop bits 1");
            case 2 -> said.accept("stop bits 2");
            case 3 -> said.accept("stop bits 1.5");
            default -> {
                // a query
            }
        }
        return port.stopBits(requested);
    }

    @Override
    public int control(int requested) {
        String what = switch (requested) {
            case 1 -> "flow control none";
            case 2 -> "flow control xonxoff";
            case 3 -> "flow control rtscts";
            case 5 -> "BREAK on";
            case 6 -> "BREAK off";
            case 8 -> "DTR on";
            case 9 -> "DTR off";
            case 11 -> "RTS on";
            case 12 -> "RTS off";
            case 14 -> "inbound flow control none";
            case 15 -> "inbound flow control xonxoff";
            case 16 -> "inbound flow control rtscts";
            default -> null; // a query (0, 4, 7, 10, 13), or what the port answers with itself
        };
        if (what != null) {
            said.accept(what);
        }
        return port.control(requested);
    }

    @Override
    public void purge(int which) {
        said.accept(switch (which) {
            case Rfc2217.PURGE_RECEIVE -> "purge what came from the device";
            case Rfc2217.PURGE_BOTH -> "purge both ways";
            default -> "purge what goes to the device";
        });
        port.purge(which);
    }

    @Override
    public int modemLines() {
        return port.modemLines();
    }
}
