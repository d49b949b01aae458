// Needs arc4random@GLIBC_2.36 (glibc >= 2.36 only): the ELF gate must reject this binary.
#include <stdlib.h>

int main() {
  return static_cast<int>(arc4random() & 1U);
}
