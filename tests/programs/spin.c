/* tests/programs/spin.c: never returns; counts in memory, so a test or the
 * scheduler can see it run and preempt it. */
volatile unsigned long spin_counter;

int main(void) {
  for (;;) spin_counter++;
}
