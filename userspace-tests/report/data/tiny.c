/* Compiled at test time (cc -g -c) into the object the symbolization tests give to
 * kmemtrap-report with --module tiny=tiny.o. The tests find the expected line numbers by
 * searching this file for each function's name, so lines may move freely. */
__attribute__((used, noinline)) int tiny_first(int x) {
	return x + 1;
}

/* A static function: at a non-zero offset inside .text, so its nm value matters. */
__attribute__((used, noinline)) static int tiny_second(int x) {
	return x * 3 + 2;
}

/* In a section of its own, where addresses restart at 0 as they do in a module's .init.text. */
__attribute__((used, noinline, section(".text.tiny_other"))) int tiny_other(int x) {
	return tiny_second(x) - 7;
}
