// Prints the official Meshtastic protobuf definitions, one file a line: its name, then its
// FileDescriptorProto in base64, for the tests to compare the project's own .proto subset with.
import * as meshtastic from "@meshtastic/protobufs";
import { toBinary } from "@bufbuild/protobuf";
import { FileDescriptorProtoSchema } from "@bufbuild/protobuf/wkt";

const files = new Map();
for (const namespace of Object.values(meshtastic)) {
  for (const [name, value] of Object.entries(namespace)) {
    if (name.startsWith("file_")) files.set(value.name, value.proto);
  }
}
for (const [name, proto] of files) {
  console.log(name, Buffer.from(toBinary(FileDescriptorProtoSchema, proto)).toString("base64"));
}
