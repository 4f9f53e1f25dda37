/*
 * output/xml.h - text from input, made safe for XML 1.0.
 *
 * Markup characters become entities. What XML 1.0 forbids outright (control
 * characters other than tab, newline and carriage return; U+FFFE, U+FFFF;
 * bytes that are not UTF-8) and what would mislead a reader without being
 * forbidden (DEL, C1 controls, Unicode bidirectional controls) is written
 * as a visible escape instead (\x1b, \u202e), and so are newlines (\n):
 * a CI page shows the string's real content, and no input can break the
 * document, start a line of its own or reorder the text around it.
 */
#ifndef IAMG_OUTPUT_XML_H
#define IAMG_OUTPUT_XML_H

#include "util/buf.h"

/* Append s (NULL reads as "") to b, escaped for element content. */
void ig_xml_text(buf *b, const char *s);
/* Append s escaped for a double-quoted attribute value (a tab becomes a
 * character reference, which attribute normalisation keeps). */
void ig_xml_attr(buf *b, const char *s);

#endif
