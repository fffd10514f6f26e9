"""The grammar of numeric LaTeX, for lark's LALR(1) parser: linear time, no backtracking.

Built once, on first use: lark is imported only on the Markdown path. Shift/reduce conflicts
resolve as shift, which is what LaTeX means: ``\\sigma(z)`` applies σ rather than multiplying by
(z), and ``\\frac{1}{2}(x)`` multiplies. Sums and products are flat repetitions, so the tree is as
deep as the brackets are nested (bounded before parsing, see ``latex.MAX_DEPTH``).
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any

# Command names end where letters end: \cdot must not match the start of \cdots.
_END = r"(?![a-zA-Z])"
_FUNCTION_NAMES = (r"(?i:relu|sigmoid|log[-_ ]?softmax|softmax|tanh|exp|ln|log|sqrt|max|min|sigma|σ|mean|avg|var|std|sum|dot"
                   r"|norm|conv(?:2d)?|corr(?:2d)?|max[-_ ]?pool|avg[-_ ]?pool|mean[-_ ]?pool)")
_TEXT_COMMANDS = r"(?:text|textrm|textit|textsf|textbf|mathrm|mathit|mathsf|operatorname|mbox)"

GRAMMAR = rf"""
start: [item] (_separator [item])* [_STOP]
_separator: _SEP | _ROWSEP | _COMMA

item: [_AMP] sum link*              -> chain
    | link+                         -> continuation

link: [_AMP] REL [_AMP] sum

?sum: product (ADDOP product)*
?product: signed (MULOP signed | power)*
?signed: ADDOP signed               -> sign
       | power
?power: primary
      | primary _CARET exponent     -> power
      | primary _CARET exponent SUB -> power_sub
exponent: "{{" sum "}}"             -> braced
        | SUPTOKEN                  -> token
        | TRANSPOSED                -> token

?primary: NUMBER                    -> number
        | NUMBER PERCENT            -> percent
        | symbol
        | FUNCTION                  -> function_alone
        | LOG                       -> function_alone
        | "(" sum ")"               -> group
        | "[" sum "]"               -> group
        | _LCURLY sum _RCURLY       -> group
        | "{{" sum "}}"             -> group
        | WRAPPER "{{" sum "}}"     -> group
        | "(" sum (_COMMA sum)+ ")" -> vector
        | "[" sum (_COMMA sum)+ "]" -> vector
        | matrix
        | FRAC "{{" sum "}}" "{{" sum "}}" -> frac
        | FRAC_DIGITS               -> frac_digits
        | function
        | SQRT ["[" sum "]"] argument  -> sqrt
        | LOG [SUB] argument        -> log
        | MAXMIN "(" sum (_COMMA sum)* ")"         -> extremum
        | MAXMIN _LCURLY sum (_COMMA sum)* _RCURLY -> extremum
        | MAXMIN matrix                            -> extremum
        | MAXMIN                                   -> function_alone
        | SUMOP [SUB] [_CARET exponent] summand    -> summation

?summand: primary
       | primary _CARET exponent     -> power
function: (FUNCTION | SIGMA) PRIME* argument
        | FUNCTION "(" sum (_COMMA sum)+ ")"  -> function_arguments
        | FUNCTION _CARET exponent argument   -> function_power
argument: "(" sum ")"
        | "[" sum "]"
        | "{{" sum "}}"
        | NUMBER                    -> bare_number
        | symbol                    -> bare_symbol

symbol: _core [SUB] [MARK] PRIME*
      | _core PRIME+ SUB          // s'_D: the same name as s_D'
_core: LETTER | GREEK | SIGMA | TEXT | DOTS | accented
accented: ACCENT "{{" _core+ "}}"
        | ACCENT "{{" _core+ NUMBER "}}"
        | ACCENT (LETTER | GREEK)

matrix: BEGIN_MATRIX row (_ROWSEP row)* [_ROWSEP] END_MATRIX
row: sum (_AMP sum)*

NUMBER: /[0-9]+(\.[0-9]+)?([eE][-+]?[0-9]+(?![0-9.]))?/
ADDOP: "+" | "-" | "−" | /\\pm{_END}/
MULOP: /\\(times|cdot|div|odot|circ|ast){_END}/ | "×" | "·" | "⋅" | "*" | "/" | "⊙" | "∘" | "∗"
REL: "=" | "≈" | ":=" | "←" | /\\(approx|simeq|approxeq|coloneqq|eqqcolon|leftarrow|gets){_END}/
_CARET: "^"
SUPTOKEN: /[0-9a-zA-Z]/ | /\\(top|intercal|prime|alpha|beta|gamma|delta|eta|theta|lambda|mu|pi|tau|phi){_END}/
PRIME: "'"
SUB: /_\s*(\{{([^{{}}]|\{{[^{{}}]*\}})*\}}|\\[a-zA-Z]+|[a-zA-Z0-9])/
LETTER: /[a-zA-ZÀ-ÖØ-öø-ɏ][\u0300-\u036f]*/ | /[α-ρτ-ωΑ-Ω∂∇]/
GREEK: /\\(alpha|beta|gamma|delta|epsilon|varepsilon|zeta|eta|theta|vartheta|iota|kappa|lambda|mu|nu|xi|pi|varpi|rho|varrho|tau|upsilon|phi|varphi|chi|psi|omega|Gamma|Delta|Theta|Lambda|Xi|Pi|Sigma|Upsilon|Phi|Psi|Omega|nabla|partial|ell|infty|top){_END}/
SIGMA: /\\sigma{_END}/ | "σ"
ACCENT: /\\(hat|widehat|bar|overline|tilde|widetilde|vec|dot|ddot|mathbf|boldsymbol|bm|mathcal|mathbb|mathbfit){_END}/
TEXT.1: /\\{_TEXT_COMMANDS}\s*\{{[^{{}}]*\}}/
FUNCTION.2: /\\{_TEXT_COMMANDS}\s*\{{\s*{_FUNCTION_NAMES}\s*\}}/ | /\\(exp|ln|tanh){_END}/
LOG: /\\log{_END}/
SQRT: /\\sqrt{_END}/ | "√"
SUMOP: /\\sum{_END}/ | "∑"
PERCENT: /\\%/
MARK.3: /\^\s*\{{\s*[+*∗-]\s*\}}/ | /\^\s*[*∗]/
    | /\^\s*\{{\s*(\\(text|textrm|mathrm)\s*\{{\s*)?(new|old|updated|next)\s*(\}}\s*)?\}}/
TRANSPOSED.3: /\{{\s*\\(top|intercal)\s*\}}/
MAXMIN: /\\(max|min){_END}/
FRAC: /\\[dt]?frac{_END}/
// A box or a colour around a value (boxed, color, textcolor): the value.
WRAPPER: /\\boxed{_END}/ | /\\(color|textcolor)\s*\{{\s*[A-Za-z!0-9]+\s*\}}/
FRAC_DIGITS.2: /\\[dt]?frac\s*[0-9]\s*[0-9]/
DOTS: /\\(dots|ldots|cdots|vdots|ddots){_END}/
_LCURLY: /\\\{{/ | /\\lbrace{_END}/
_RCURLY: /\\\}}/ | /\\rbrace{_END}/
BEGIN_MATRIX: /\\begin\s*\{{\s*(bmatrix|pmatrix|Bmatrix|matrix|smallmatrix)\s*\}}/ | /\\begin\s*\{{\s*array\s*\}}\s*\{{[lcr|\s]*\}}/
END_MATRIX: /\\end\s*\{{\s*(bmatrix|pmatrix|Bmatrix|matrix|smallmatrix|array)\s*\}}/
_AMP: "&"
_ROWSEP: /\\\\/
_COMMA: ","
_SEP.2: ";" | /\\(quad|qquad|Rightarrow|implies|Longrightarrow|iff){_END}/
    | /\\text\s*\{{\s*,?\s*(and|so|thus|hence|where|with|then|or|i\.e\.|,)\s*,?\s*\}}/
_STOP: "."

SPACE: /\s+/ | /\\[,;:! ]/ | "~"
SIZE: /\\(left|right)(\s*\.)?{_END}/ | /\\([bB]igg?[lr]?|displaystyle|textstyle|limits|nolimits|mathstrut|nonumber|notag){_END}/
LABEL: /\\(tag|label)\s*\*?\s*\{{[^{{}}]*\}}/
REMARK.3: /\\(text|textrm|textit|mathrm|mbox)\s*\{{\s*\([^{{}}]*\)\s*\}}/
ALIGN: /\\(begin|end)\s*\{{\s*(aligned|align\*?|gathered|gather\*?|split|equation\*?|multline\*?|eqnarray\*?|displaymath)\s*\}}/
%ignore SPACE
%ignore SIZE
%ignore LABEL
%ignore REMARK
%ignore ALIGN
"""


@lru_cache(maxsize=1)
def parser() -> Any:
    """The LALR parser (built on first use; lark is imported here and nowhere on the spec path)."""
    from lark import Lark

    return Lark(GRAMMAR, parser="lalr", lexer="contextual", propagate_positions=True, maybe_placeholders=True)
