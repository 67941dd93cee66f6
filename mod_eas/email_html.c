/* SPDX-License-Identifier: Apache-2.0 */
/*
 * HTML <-> plain text for message bodies.
 *
 * HTML to text: libxml2's forgiving HTML parser builds the tree (entities,
 * broken markup), then one walk without recursion writes the text: block
 * elements start new lines, list items get a dash, links keep their
 * address, scripts and styles vanish, white space collapses except in
 * <pre>.  The input is already UTF-8, so the document's own charset
 * declaration is ignored.
 *
 * Text to HTML: escaped, line breaks marked up, inside a minimal document
 * that declares UTF-8.
 */
#include <string.h>

#include <apr_strings.h>
#include <libxml/HTMLparser.h>
#include <libxml/tree.h>

#include "email_internal.h"

typedef struct {
    GString *out;
    int space;                  /* white space seen, not yet written */
    int pre;                    /* inside <pre> */
    apr_size_t link_start;      /* output offset where the last <a> began */
} text_out_t;

static int name_in(const xmlChar *name, const char *const *set)
{
    for (; *set; set++)
        if (!strcmp((const char *)name, *set))
            return 1;
    return 0;
}

static const char *const skipped[] = {
    "script", "style", "head", "title", "template", "noscript", NULL
};
static const char *const blocks[] = {
    "p", "div", "h1", "h2", "h3", "h4", "h5", "h6", "ul", "ol", "li", "dl",
    "dt", "dd", "table", "tr", "blockquote", "pre", "address", "section",
    "article", "header", "footer", "nav", "aside", "form", "fieldset",
    "figure", "center", "hr", NULL
};
static const char *const paragraphs[] = {
    "p", "h1", "h2", "h3", "h4", "h5", "h6", "blockquote", "table", "ul",
    "ol", "pre", NULL
};

static int at_line_start(text_out_t *t)
{
    return t->out->len == 0 || t->out->str[t->out->len - 1] == '\n';
}

/* A line break, at most one blank line in a row, none at the start. */
static void newline(text_out_t *t, int blank)
{
    apr_size_t n = t->out->len;

    t->space = 0;
    if (n == 0)
        return;
    if (t->out->str[n - 1] != '\n')
        g_string_append_c(t->out, '\n');
    else if (blank && (n < 2 || t->out->str[n - 2] != '\n'))
        g_string_append_c(t->out, '\n');
}

static void text(text_out_t *t, const char *s)
{
    for (; *s; s++) {
        unsigned char c = (unsigned char)*s;

        if (t->pre) {
            g_string_append_c(t->out, (char)c);
            continue;
        }
        if (c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f') {
            t->space = 1;
            continue;
        }
        if (t->space && !at_line_start(t))
            g_string_append_c(t->out, ' ');
        t->space = 0;
        if (c == 0xC2 && (unsigned char)s[1] == 0xA0) {     /* &nbsp; */
            g_string_append_c(t->out, ' ');
            s++;
            continue;
        }
        g_string_append_c(t->out, (char)c);
    }
}

static void enter(text_out_t *t, xmlNode *n)
{
    const xmlChar *name = n->name;

    if (!strcmp((const char *)name, "br")) {
        g_string_append_c(t->out, '\n');
        t->space = 0;
        return;
    }
    if (name_in(name, blocks))
        newline(t, name_in(name, paragraphs));
    if (!strcmp((const char *)name, "li"))
        g_string_append(t->out, "- ");
    else if (!strcmp((const char *)name, "hr"))
        g_string_append(t->out, "----------\n");
    else if (!strcmp((const char *)name, "pre"))
        t->pre++;
    else if (!strcmp((const char *)name, "a"))
        t->link_start = t->out->len;
    else if (!strcmp((const char *)name, "td") || !strcmp((const char *)name, "th"))
        t->space = 1;
}

/* After a link, its address when it says more than the link text. */
static void link_target(text_out_t *t, xmlNode *n)
{
    xmlChar *href = xmlGetProp(n, (const xmlChar *)"href");
    const char *h = (const char *)href;

    if (h && (!strncasecmp(h, "http:", 5) || !strncasecmp(h, "https:", 6))
        && t->link_start <= t->out->len
        && !strstr(t->out->str + t->link_start, h)) {
        g_string_append(t->out, " <");
        g_string_append(t->out, h);
        g_string_append_c(t->out, '>');
    }
    xmlFree(href);
}

static void leave(text_out_t *t, xmlNode *n)
{
    const xmlChar *name = n->name;

    if (!strcmp((const char *)name, "pre") && t->pre > 0)
        t->pre--;
    if (!strcmp((const char *)name, "a"))
        link_target(t, n);
    if (name_in(name, blocks))
        newline(t, name_in(name, paragraphs));
}

static void walk(text_out_t *t, xmlNode *root)
{
    xmlNode *n = root;

    while (n != NULL) {
        int descend = 0;

        if (n->type == XML_ELEMENT_NODE && n->name) {
            if (!name_in(n->name, skipped)) {
                enter(t, n);
                descend = n->children != NULL;
                if (!descend)
                    leave(t, n);
            }
        } else if ((n->type == XML_TEXT_NODE || n->type == XML_CDATA_SECTION_NODE)
                   && n->content) {
            text(t, (const char *)n->content);
        }
        if (descend) {
            n = n->children;
            continue;
        }
        while (n != root && n->next == NULL) {
            n = n->parent;
            if (n->type == XML_ELEMENT_NODE && n->name)
                leave(t, n);
        }
        n = n == root ? NULL : n->next;
    }
}

static apr_status_t gfree_cleanup(void *data)
{
    g_free(data);
    return APR_SUCCESS;
}

/* Hand a GString to the pool, trailing white space removed. */
static eas_text_t take_string(GString *s, apr_pool_t *p)
{
    eas_text_t r;
    char *str;
    apr_size_t n = s->len;

    while (n > 0 && (s->str[n - 1] == ' ' || s->str[n - 1] == '\n'
                     || s->str[n - 1] == '\t' || s->str[n - 1] == '\r'))
        n--;
    str = g_string_free(s, FALSE);
    str[n] = '\0';
    apr_pool_cleanup_register(p, str, gfree_cleanup, apr_pool_cleanup_null);
    r.data = str;
    r.len = n;
    return r;
}

eas_text_t eas_html_to_text(const char *html, apr_size_t len, apr_pool_t *p)
{
    text_out_t t;
    htmlDocPtr doc;
    eas_text_t empty = { "", 0 };

    if (len == 0 || len > INT_MAX)
        return empty;
    doc = htmlReadMemory(html, (int)len, NULL, "UTF-8",
                         HTML_PARSE_RECOVER | HTML_PARSE_NOERROR
                         | HTML_PARSE_NOWARNING | HTML_PARSE_NONET
                         | HTML_PARSE_COMPACT | HTML_PARSE_IGNORE_ENC);
    if (doc == NULL)
        return empty;
    memset(&t, 0, sizeof t);
    t.out = g_string_sized_new(len / 2 + 16);
    if (xmlDocGetRootElement(doc))
        walk(&t, xmlDocGetRootElement(doc));
    xmlFreeDoc(doc);
    return take_string(t.out, p);
}

#define HTML_HEAD "<html><head><meta http-equiv=\"Content-Type\" " \
                  "content=\"text/html; charset=utf-8\"></head><body>"
#define HTML_TAIL "</body></html>"

eas_text_t eas_text_to_html(const char *text, apr_size_t len, apr_pool_t *p)
{
    apr_size_t i, n = sizeof(HTML_HEAD) + sizeof(HTML_TAIL);
    eas_text_t r;
    char *out, *o;

    for (i = 0; i < len; i++)
        n += text[i] == '&' ? 5 : text[i] == '<' || text[i] == '>' ? 4
             : text[i] == '"' ? 6 : text[i] == '\n' ? 5 : 1;
    o = out = apr_palloc(p, n);
    memcpy(o, HTML_HEAD, sizeof(HTML_HEAD) - 1);
    o += sizeof(HTML_HEAD) - 1;
    for (i = 0; i < len; i++) {
        switch (text[i]) {
        case '&': memcpy(o, "&amp;", 5); o += 5; break;
        case '<': memcpy(o, "&lt;", 4); o += 4; break;
        case '>': memcpy(o, "&gt;", 4); o += 4; break;
        case '"': memcpy(o, "&quot;", 6); o += 6; break;
        case '\n': memcpy(o, "<br>\n", 5); o += 5; break;
        case '\r': break;
        default: *o++ = text[i];
        }
    }
    memcpy(o, HTML_TAIL, sizeof(HTML_TAIL));
    r.data = out;
    r.len = (apr_size_t)(o - out) + sizeof(HTML_TAIL) - 1;
    return r;
}

char *eas_html_escape(const char *s, apr_size_t len, apr_pool_t *p)
{
    apr_size_t i, n = 0;
    char *out, *o;

    for (i = 0; i < len; i++)
        n += s[i] == '&' ? 5 : s[i] == '<' || s[i] == '>' ? 4
             : s[i] == '"' ? 6 : 1;
    o = out = apr_palloc(p, n + 1);
    for (i = 0; i < len; i++) {
        switch (s[i]) {
        case '&': memcpy(o, "&amp;", 5); o += 5; break;
        case '<': memcpy(o, "&lt;", 4); o += 4; break;
        case '>': memcpy(o, "&gt;", 4); o += 4; break;
        case '"': memcpy(o, "&quot;", 6); o += 6; break;
        default: *o++ = s[i];
        }
    }
    *o = '\0';
    return out;
}
