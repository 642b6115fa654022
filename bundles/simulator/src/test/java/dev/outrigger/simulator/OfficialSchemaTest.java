package dev.outrigger.simulator;

import static org.junit.Assert.assertEquals;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import org.junit.BeforeClass;
import org.junit.Test;

import com.google.protobuf.DescriptorProtos.DescriptorProto;
import com.google.protobuf.DescriptorProtos.EnumDescriptorProto;
import com.google.protobuf.DescriptorProtos.EnumValueDescriptorProto;
import com.google.protobuf.DescriptorProtos.FieldDescriptorProto;
import com.google.protobuf.DescriptorProtos.FileDescriptorProto;
import com.google.protobuf.Descriptors.Descriptor;
import com.google.protobuf.Descriptors.EnumDescriptor;
import com.google.protobuf.Descriptors.EnumValueDescriptor;
import com.google.protobuf.Descriptors.FieldDescriptor;

import dev.outrigger.framework.JsPeers;
import dev.outrigger.meshtastic.proto.Meshtastic;

/**
 * The gateway reads radios, and the simulator stands in for one, with a .proto subset of its own:
 * each of its messages, fields and enum values must be the official definitions' — same number,
 * name, encoding, repetition, presence and oneof — or a real radio's packets decode wrongly.
 */
public class OfficialSchemaTest {

    /** Official messages and enums by full name ({@code meshtastic.Config.LoRaConfig}) and by simple name. */
    private static final Map<String, DescriptorProto> MESSAGES = new HashMap<>();
    private static final Map<String, EnumDescriptorProto> ENUMS = new HashMap<>();

    @BeforeClass
    public static void readOfficialDefinitions() throws Exception {
        for (String line : JsPeers.run(Duration.ofSeconds(30), "official-schema.mjs")) {
            FileDescriptorProto file = FileDescriptorProto.parseFrom(Base64.getDecoder().decode(line.split(" ", 2)[1]));
            file.getMessageTypeList().forEach(m -> index(file.getPackage() + "." + m.getName(), m));
            file.getEnumTypeList().forEach(e -> ENUMS.put(file.getPackage() + "." + e.getName(), e));
        }
    }

    private static void index(String fullName, DescriptorProto message) {
        MESSAGES.put(fullName, message);
        message.getNestedTypeList().forEach(m -> index(fullName + "." + m.getName(), m));
        message.getEnumTypeList().forEach(e -> ENUMS.put(fullName + "." + e.getName(), e));
    }

    @Test
    public void everyMessageAndFieldIsTheOfficialOne() {
        List<String> differences = new ArrayList<>();
        for (Descriptor message : Meshtastic.getDescriptor().getMessageTypes()) {
            compare(message, differences);
        }
        assertEquals(List.of(), differences);
    }

    @Test
    public void everyEnumValueIsTheOfficialOne() {
        List<String> differences = new ArrayList<>();
        List<EnumDescriptor> enums = new ArrayList<>(Meshtastic.getDescriptor().getEnumTypes());
        Meshtastic.getDescriptor().getMessageTypes().forEach(m -> nestedEnums(m, enums));
        for (EnumDescriptor ours : enums) {
            Optional<EnumDescriptorProto> official = find(ENUMS, ours.getFullName());
            if (official.isEmpty()) {
                differences.add(ours.getFullName() + ": no such enum in the official definitions");
                continue;
            }
            for (EnumValueDescriptor value : ours.getValues()) {
                String officialName = official.get().getValueList().stream().filter(v -> v.getNumber() == value.getNumber())
                        .map(EnumValueDescriptorProto::getName).findFirst().orElse("none");
                if (!officialName.equals(value.getName())) {
                    differences.add(ours.getFullName() + " " + value.getNumber() + ": " + value.getName() + ", officially "
                            + officialName);
                }
            }
        }
        assertEquals(List.of(), differences);
    }

    private static void nestedEnums(Descriptor message, List<EnumDescriptor> into) {
        into.addAll(message.getEnumTypes());
        message.getNestedTypes().forEach(m -> nestedEnums(m, into));
    }

    private static void compare(Descriptor ours, List<String> differences) {
        Optional<DescriptorProto> found = find(MESSAGES, ours.getFullName());
        if (found.isEmpty()) {
            differences.add(ours.getFullName() + ": no such message in the official definitions");
            return;
        }
        DescriptorProto official = found.get();
        for (FieldDescriptor field : ours.getFields()) {
            FieldDescriptorProto mine = field.toProto();
            String where = ours.getFullName() + "." + field.getName() + " = " + field.getNumber();
            FieldDescriptorProto theirs = official.getFieldList().stream().filter(f -> f.getNumber() == field.getNumber())
                    .findFirst().orElse(null);
            if (theirs == null) {
                differences.add(where + ": no such field number officially");
                continue;
            }
            check(differences, where, "name", mine.getName(), theirs.getName());
            check(differences, where, "encoding", encoding(mine.getType()), encoding(theirs.getType()));
            if (mine.hasTypeName()) {
                check(differences, where, "type", simpleName(mine.getTypeName()), simpleName(theirs.getTypeName()));
            }
            check(differences, where, "label", mine.getLabel(), theirs.getLabel());
            check(differences, where, "explicit presence (optional)", mine.getProto3Optional(), theirs.getProto3Optional());
            boolean inOneof = field.getRealContainingOneof() != null;
            boolean officiallyInOneof = theirs.hasOneofIndex() && !theirs.getProto3Optional();
            check(differences, where, "in a oneof", inOneof, officiallyInOneof);
            if (inOneof && officiallyInOneof) {
                check(differences, where, "oneof", field.getRealContainingOneof().getName(),
                        official.getOneofDecl(theirs.getOneofIndex()).getName());
            }
        }
        ours.getNestedTypes().forEach(nested -> compare(nested, differences));
    }

    /** An enum is an int32 on the wire: the subset reads the firmware's long enums (hardware models...) as numbers. */
    private static FieldDescriptorProto.Type encoding(FieldDescriptorProto.Type type) {
        return type == FieldDescriptorProto.Type.TYPE_ENUM ? FieldDescriptorProto.Type.TYPE_INT32 : type;
    }

    private static void check(List<String> differences, String where, String what, Object mine, Object theirs) {
        if (!mine.equals(theirs)) {
            differences.add(where + ": " + what + " " + mine + ", officially " + theirs);
        }
    }

    /** By full name, or else by simple name where that is one official type's (ours are flatter). */
    private static <T> Optional<T> find(Map<String, T> official, String fullName) {
        if (official.containsKey(fullName)) {
            return Optional.of(official.get(fullName));
        }
        String simple = simpleName(fullName);
        List<T> named = official.entrySet().stream().filter(e -> simpleName(e.getKey()).equals(simple)).map(Map.Entry::getValue)
                .toList();
        return named.size() == 1 ? Optional.of(named.get(0)) : Optional.empty();
    }

    private static String simpleName(String typeName) {
        return typeName.substring(typeName.lastIndexOf('.') + 1);
    }
}
