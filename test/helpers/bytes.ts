/** Changes one byte in place, as a flipped bit on disk or on the wire would. */
export function flipByte(bytes: Buffer, index: number): Buffer {
  bytes.writeUInt8(bytes.readUInt8(index) ^ 0xff, index);
  return bytes;
}
