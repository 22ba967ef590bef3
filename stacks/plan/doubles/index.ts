/** Registers every provider double; import for its side effect before running the program. */
import "./command";
import "./random";
import "./tls";
