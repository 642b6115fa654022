package dev.outrigger.ser2net;

import java.io.StringReader;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

import org.yaml.snakeyaml.LoaderOptions;
import org.yaml.snakeyaml.Yaml;
import org.yaml.snakeyaml.error.MarkedYAMLException;
import org.yaml.snakeyaml.error.YAMLException;
import org.yaml.snakeyaml.nodes.MappingNode;
import org.yaml.snakeyaml.nodes.Node;
import org.yaml.snakeyaml.nodes.NodeTuple;
import org.yaml.snakeyaml.nodes.ScalarNode;
import org.yaml.snakeyaml.nodes.SequenceNode;

/**
 * ser2net 4's configuration, {@code ser2net.yaml}: one {@code connection:} key per connection in
 * the same mapping (so keys repeat, which plain YAML loading refuses), each named by its anchor
 * ({@code connection: &zigbee}). Read as YAML nodes, keeping the anchors and every repeat.
 */
final class Ser2netYaml {

    private static final int MAX_CHARACTERS = 1 << 20;

    private Ser2netYaml() {
    }

    /** @throws IllegalArgumentException naming the line, for text that is not YAML or not ser2net's shape */
    static Content parse(String text) {
        LoaderOptions options = new LoaderOptions();
        options.setAllowDuplicateKeys(true);
        options.setCodePointLimit(MAX_CHARACTERS);
        options.setMaxAliasesForCollections(50);
        List<Connection> connections = new ArrayList<>();
        List<String> notImported = new ArrayList<>();
        try {
            for (Node document : new Yaml(options).composeAll(new StringReader(text))) {
                if (!(document instanceof MappingNode top)) {
                    throw new IllegalArgumentException("line " + line(document) + ": expected keys such as connection:, found "
                            + document.getNodeId());
                }
                for (NodeTuple entry : top.getValue()) {
                    String key = scalar(entry.getKeyNode());
                    if (key.equals("connection")) {
                        connections.add(connection(entry.getValueNode(), line(entry.getKeyNode()), connections.size()));
                    } else if (!key.equals("define") && !key.equals("default")) {
                        notImported.add(key + " (line " + line(entry.getKeyNode()) + ")");
                    }
                }
            }
        } catch (MarkedYAMLException e) {
            throw new IllegalArgumentException("line " + (e.getProblemMark().getLine() + 1) + ": " + e.getProblem(), e);
        } catch (YAMLException e) {
            throw new IllegalArgumentException(e.getMessage(), e);
        }
        return new Content(connections, notImported);
    }

    private static Connection connection(Node node, int line, int index) {
        if (!(node instanceof MappingNode mapping)) {
            throw new IllegalArgumentException("line " + line(node) + ": a connection is a mapping (accepter:, connector:, options:)");
        }
        String name = node.getAnchor() != null ? node.getAnchor() : "con" + index;
        Map<String, String> fields = new LinkedHashMap<>();
        Map<String, String> options = new LinkedHashMap<>();
        for (NodeTuple field : mapping.getValue()) {
            String key = scalar(field.getKeyNode());
            if (key.equals("options") && field.getValueNode() instanceof MappingNode opts) {
                opts.getValue().forEach(o -> options.put(scalar(o.getKeyNode()), text(o.getValueNode())));
            } else {
                fields.put(key, text(field.getValueNode()));
            }
        }
        return new Connection(name, line, fields, options);
    }

    private static String scalar(Node node) {
        if (node instanceof ScalarNode s) {
            return s.getValue();
        }
        throw new IllegalArgumentException("line " + line(node) + ": expected a plain key");
    }

    /** A value as text: lists comma-joined (ser2net allows a connector written as a list). */
    private static String text(Node node) {
        if (node instanceof ScalarNode s) {
            return s.getValue().trim();
        }
        if (node instanceof SequenceNode list) {
            return list.getValue().stream().map(Ser2netYaml::text).collect(Collectors.joining(","));
        }
        return "";
    }

    private static int line(Node node) {
        return node.getStartMark() == null ? 0 : node.getStartMark().getLine() + 1;
    }
}
