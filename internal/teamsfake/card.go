package teamsfake

import (
	"bytes"
	"encoding/json"
	"fmt"
	"mime"
	"net/http"
	"strings"
)

// The shape Teams Workflows accept.
const (
	// MessageType is the envelope's type.
	MessageType = "message"
	// ContentType is an Adaptive Card attachment's contentType.
	ContentType = "application/vnd.microsoft.card.adaptive"
	// CardType is the card's type.
	CardType = "AdaptiveCard"
	// Version is the card schema version the fake accepts.
	Version = "1.4"
)

// Message is the envelope a webhook receives.
type Message struct {
	Type        string       `json:"type"`
	Attachments []Attachment `json:"attachments"`
}

// Attachment is one card of a message.
type Attachment struct {
	ContentType string       `json:"contentType"`
	ContentURL  *string      `json:"contentUrl"`
	Content     AdaptiveCard `json:"content"`
}

// AdaptiveCard is the card itself.
type AdaptiveCard struct {
	Schema  string    `json:"$schema"`
	Type    string    `json:"type"`
	Version string    `json:"version"`
	Body    []Element `json:"body"`
}

// Element is one body element; only the properties the fake checks.
type Element struct {
	Type    string    `json:"type"`
	Text    string    `json:"text"`
	Color   string    `json:"color"`
	Weight  string    `json:"weight"`
	Size    string    `json:"size"`
	Wrap    bool      `json:"wrap"`
	Facts   []Fact    `json:"facts"`
	Items   []Element `json:"items"`
	Columns []Column  `json:"columns"`
}

// Column is one column of a ColumnSet.
type Column struct {
	Type  string    `json:"type"`
	Items []Element `json:"items"`
}

// Fact is one title/value pair of a FactSet.
type Fact struct {
	Title string `json:"title"`
	Value string `json:"value"`
}

// Card is a card a webhook accepted.
type Card struct {
	// Raw is the request body as sent.
	Raw []byte
	// Message is the body decoded.
	Message Message
}

// Body returns the first attachment's card body.
func (c Card) Body() []Element { return c.Message.Attachments[0].Content.Body }

// Title returns the text of the card's first TextBlock.
func (c Card) Title() string {
	for _, e := range c.Body() {
		if e.Type == "TextBlock" {
			return e.Text
		}
	}
	return ""
}

// Texts returns the text of every TextBlock, in order, nested ones included.
func (c Card) Texts() []string {
	var out []string
	walk(c.Body(), func(e Element) {
		if e.Type == "TextBlock" {
			out = append(out, e.Text)
		}
	})
	return out
}

// Colors maps each coloured TextBlock's text to its colour.
func (c Card) Colors() map[string]string {
	out := map[string]string{}
	walk(c.Body(), func(e Element) {
		if e.Type == "TextBlock" && e.Color != "" {
			out[e.Text] = e.Color
		}
	})
	return out
}

// Facts returns every fact of every FactSet, in order.
func (c Card) Facts() []Fact {
	var out []Fact
	walk(c.Body(), func(e Element) {
		if e.Type == "FactSet" {
			out = append(out, e.Facts...)
		}
	})
	return out
}

// PlainText is the card as lines of text: its TextBlocks, then "title: value"
// per fact.
func (c Card) PlainText() string {
	lines := c.Texts()
	for _, f := range c.Facts() {
		lines = append(lines, f.Title+": "+f.Value)
	}
	return strings.Join(lines, "\n")
}

func walk(es []Element, f func(Element)) {
	for _, e := range es {
		f(e)
		walk(e.Items, f)
		for _, c := range e.Columns {
			walk(c.Items, f)
		}
	}
}

// elementTypes are the Adaptive Card 1.4 body element types.
var elementTypes = map[string]bool{
	"TextBlock": true, "RichTextBlock": true, "Image": true, "ImageSet": true, "Media": true,
	"Container": true, "ColumnSet": true, "FactSet": true, "ActionSet": true, "Table": true,
	"Input.Text": true, "Input.Number": true, "Input.Date": true, "Input.Time": true,
	"Input.Toggle": true, "Input.ChoiceSet": true,
}

// colors are the Adaptive Card text colours.
var colors = map[string]bool{
	"default": true, "dark": true, "light": true, "accent": true, "good": true, "warning": true, "attention": true,
}

// parse checks a request body as Teams would and returns the card, or the
// status and problem to answer with.
func parse(contentType string, body []byte, readErr error) (Card, int, string) {
	if readErr != nil {
		return Card{}, http.StatusBadRequest, "cannot read the body: " + readErr.Error()
	}
	if mt, _, err := mime.ParseMediaType(contentType); err != nil || mt != "application/json" {
		return Card{}, http.StatusUnsupportedMediaType, fmt.Sprintf("content type %q is not application/json", contentType)
	}
	if len(body) >= MaxBytes {
		return Card{}, http.StatusRequestEntityTooLarge, fmt.Sprintf("the message is %d bytes; it must be under %d", len(body), MaxBytes)
	}
	var m Message
	dec := json.NewDecoder(bytes.NewReader(body))
	if err := dec.Decode(&m); err != nil {
		return Card{}, http.StatusBadRequest, "the body is not a message: " + err.Error()
	}
	if dec.More() {
		return Card{}, http.StatusBadRequest, "the body holds more than one JSON value"
	}
	if p := check(m); p != "" {
		return Card{}, http.StatusBadRequest, p
	}
	return Card{Raw: body, Message: m}, 0, ""
}

// check returns what is wrong with m's shape, or "".
func check(m Message) string {
	switch {
	case m.Type != MessageType:
		return fmt.Sprintf("type is %q, want %q", m.Type, MessageType)
	case len(m.Attachments) == 0:
		return "attachments is empty"
	}
	for i, a := range m.Attachments {
		c := a.Content
		switch {
		case a.ContentType != ContentType:
			return fmt.Sprintf("attachments[%d].contentType is %q, want %q", i, a.ContentType, ContentType)
		case a.ContentURL != nil:
			return fmt.Sprintf("attachments[%d].contentUrl must be null for an inline card", i)
		case c.Type != CardType:
			return fmt.Sprintf("attachments[%d].content.type is %q, want %q", i, c.Type, CardType)
		case c.Version != Version:
			return fmt.Sprintf("attachments[%d].content.version is %q, want %q", i, c.Version, Version)
		case len(c.Body) == 0:
			return fmt.Sprintf("attachments[%d].content.body is empty", i)
		}
		if p := checkElements(fmt.Sprintf("attachments[%d].content.body", i), c.Body); p != "" {
			return p
		}
	}
	return ""
}

func checkElements(path string, es []Element) string {
	for i, e := range es {
		p := fmt.Sprintf("%s[%d]", path, i)
		switch {
		case !elementTypes[e.Type]:
			return fmt.Sprintf("%s.type %q is not an Adaptive Card 1.4 element", p, e.Type)
		case e.Type == "TextBlock" && strings.TrimSpace(e.Text) == "":
			return p + ".text is empty"
		case e.Color != "" && !colors[strings.ToLower(e.Color)]:
			return fmt.Sprintf("%s.color %q is not an Adaptive Card colour", p, e.Color)
		case e.Type == "FactSet" && len(e.Facts) == 0:
			return p + ".facts is empty"
		}
		for j, f := range e.Facts {
			if f.Title == "" || f.Value == "" {
				return fmt.Sprintf("%s.facts[%d] needs a title and a value", p, j)
			}
		}
		if q := checkElements(p+".items", e.Items); q != "" {
			return q
		}
		for j, c := range e.Columns {
			if q := checkElements(fmt.Sprintf("%s.columns[%d].items", p, j), c.Items); q != "" {
				return q
			}
		}
	}
	return ""
}
