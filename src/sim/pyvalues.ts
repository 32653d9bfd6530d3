/**
 * Python's float and int are distinct types on the wire (XML-RPC <double> vs <int>, and
 * JSON `0.0` vs `0`), while JavaScript has a single number type. The simulated ORM wraps the
 * values of float fields (and float aggregates) in PyFloat so that the wire encoders can
 * write them exactly as the real server does.
 */
export class PyFloat {
  constructor(readonly value: number) {}
  toJSON(): number {
    return this.value;
  }
}
