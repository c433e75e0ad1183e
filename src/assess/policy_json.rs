//! The parts of systemd 252's JSON handling that decide what a security policy means:
//! members are kept in file order and looked up first-match (as json_variant_by_key() does),
//! and numbers are read the way json_parse_number() reads them (as `double`s, with glibc 2.36's
//! `exp10()` for exponents), which decides whether a number counts as unsigned.

/// The `exp10()` of the C library systemd-analyze runs on, which decides whether `1e3` is 1000.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Exp10 {
    /// glibc 2.36 (Debian 12: systemd 252, 254 from backports): off by one ulp for 10^3, 10^4, ...
    #[default]
    Glibc236,
    /// Correctly rounded (glibc 2.41 of Debian 13, systemd 257).
    CorrectlyRounded,
}

/// A JSON value with objects in file order and numbers in their source form.
#[derive(Debug, Clone, PartialEq)]
pub enum Json {
    Object(Vec<(String, Json)>),
    Array,
    String(String),
    Number(String),
    Other,
}

impl Json {
    /// json_variant_by_key(): the first member with this key.
    pub fn get(&self, key: &str) -> Option<&Json> {
        match self {
            Json::Object(m) => m.iter().find(|(k, _)| k == key).map(|(_, v)| v),
            _ => None,
        }
    }

    pub fn as_str(&self) -> Option<&str> {
        match self {
            Json::String(s) => Some(s),
            _ => None,
        }
    }

    /// json_variant_is_unsigned() + json_variant_unsigned().
    pub fn as_unsigned(&self, exp10: Exp10) -> Option<u64> {
        match self {
            Json::Number(n) => systemd_unsigned(n, exp10),
            _ => None,
        }
    }
}

/// Reads a JSON text that is already known to be valid (serde_json checked it).
pub fn parse(text: &str) -> Option<Json> {
    let mut p = Parser {
        b: text.as_bytes(),
        i: 0,
    };
    let v = p.value()?;
    Some(v)
}

struct Parser<'a> {
    b: &'a [u8],
    i: usize,
}

impl Parser<'_> {
    fn ws(&mut self) {
        while self.b.get(self.i).is_some_and(|c| b" \t\n\r".contains(c)) {
            self.i += 1;
        }
    }

    fn value(&mut self) -> Option<Json> {
        self.ws();
        match *self.b.get(self.i)? {
            b'{' => {
                self.i += 1;
                let mut members = Vec::new();
                loop {
                    self.ws();
                    match *self.b.get(self.i)? {
                        b'}' => {
                            self.i += 1;
                            return Some(Json::Object(members));
                        }
                        b',' => self.i += 1,
                        b'"' => {
                            let k = self.string()?;
                            self.ws();
                            if self.b.get(self.i) != Some(&b':') {
                                return None;
                            }
                            self.i += 1;
                            let v = self.value()?;
                            members.push((k, v));
                        }
                        _ => return None,
                    }
                }
            }
            b'[' => {
                self.i += 1;
                loop {
                    self.ws();
                    match *self.b.get(self.i)? {
                        b']' => {
                            self.i += 1;
                            return Some(Json::Array);
                        }
                        b',' => self.i += 1,
                        _ => {
                            self.value()?;
                        }
                    }
                }
            }
            b'"' => self.string().map(Json::String),
            b'-' | b'0'..=b'9' => {
                let start = self.i;
                while self
                    .b
                    .get(self.i)
                    .is_some_and(|c| c.is_ascii_digit() || b"+-.eE".contains(c))
                {
                    self.i += 1;
                }
                Some(Json::Number(
                    String::from_utf8_lossy(&self.b[start..self.i]).into_owned(),
                ))
            }
            _ => {
                while self.b.get(self.i).is_some_and(|c| c.is_ascii_alphabetic()) {
                    self.i += 1;
                }
                Some(Json::Other)
            }
        }
    }

    fn string(&mut self) -> Option<String> {
        self.i += 1; // opening quote
        let mut out: Vec<u16> = Vec::new();
        let mut bytes: Vec<u8> = Vec::new();
        let flush = |bytes: &mut Vec<u8>, out: &mut Vec<u16>| {
            out.extend(String::from_utf8_lossy(bytes).encode_utf16());
            bytes.clear();
        };
        loop {
            let c = *self.b.get(self.i)?;
            self.i += 1;
            match c {
                b'"' => {
                    flush(&mut bytes, &mut out);
                    return Some(String::from_utf16_lossy(&out));
                }
                b'\\' => {
                    let e = *self.b.get(self.i)?;
                    self.i += 1;
                    let simple = match e {
                        b'"' => Some(b'"'),
                        b'\\' => Some(b'\\'),
                        b'/' => Some(b'/'),
                        b'b' => Some(8),
                        b'f' => Some(12),
                        b'n' => Some(b'\n'),
                        b'r' => Some(b'\r'),
                        b't' => Some(b'\t'),
                        _ => None,
                    };
                    if let Some(s) = simple {
                        bytes.push(s);
                    } else if e == b'u' {
                        let hex = std::str::from_utf8(self.b.get(self.i..self.i + 4)?).ok()?;
                        let unit = u16::from_str_radix(hex, 16).ok()?;
                        self.i += 4;
                        flush(&mut bytes, &mut out);
                        out.push(unit);
                    } else {
                        return None;
                    }
                }
                c => bytes.push(c),
            }
        }
    }
}

/// glibc 2.36's `exp10()` where it is not the correctly rounded power of ten (found by
/// comparing it with `strtod("1eK")` for K from -400 to 400).
const GLIBC_EXP10_EXCEPTIONS: &[(i32, u64)] = &[
    (-317, 0x00000000001ee256),
    (-312, 0x0000002f201d49fc),
    (-308, 0x000730d67819e8d3),
    (-307, 0x0031fa182c40c60e),
    (-305, 0x009c16c5c5253576),
    (-300, 0x01a56e1fc2f8f358),
    (-298, 0x0210be08d0527e1e),
    (-296, 0x027a28edc580e50d),
    (-284, 0x04f7cad23de82d7a),
    (-283, 0x052dbd86cd6238da),
    (-279, 0x060226ed86db3332),
    (-278, 0x0636b0a8e8920000),
    (-277, 0x066c5cd322b68000),
    (-276, 0x06a1ba03f5b20fff),
    (-275, 0x06d62884f31e9400),
    (-273, 0x07414fa7ddefe39f),
    (-272, 0x0775a391d56bdc88),
    (-266, 0x08b4a2f1ffecd15b),
    (-259, 0x0a2899c2f673220f),
    (-258, 0x0a5ec033b40fea94),
    (-256, 0x0ac8062864ac6f44),
    (-254, 0x0b32c4cf8ea6b6ed),
    (-253, 0x0b677603725064a7),
    (-250, 0x0c06e93f5da2824b),
    (-246, 0x0cdbf7b9d9cce00e),
    (-240, 0x0e1aac0bf9b9e65b),
    (-235, 0x0f245962e2f6a491),
    (-234, 0x0f596fbb9bb44db5),
    (-232, 0x0fc3df4a91a4dcb4),
    (-227, 0x10ce5297287c2f46),
    (-225, 0x1137b08617a104ef),
    (-221, 0x120ceafbafd80e86),
    (-220, 0x124212dd4de70912),
    (-219, 0x12769794a160cb57),
    (-211, 0x1420d51a73deee2c),
    (-207, 0x14f48c22ca71a1be),
    (-206, 0x1529af2b7d0e0a2c),
    (-203, 0x15c91510781fb5ef),
    (-201, 0x16339874ddd8c624),
    (-196, 0x173de6815302e555),
    (-193, 0x17dd331a4b10d3f5),
    (-192, 0x18123ff06eea8479),
    (-186, 0x1951678227871f3f),
    (-183, 0x19f0ff151a99f482),
    (-174, 0x1bcfa885c8d117a7),
    (-168, 0x1d0e3113363787f1),
    (-166, 0x1d779657025b6234),
    (-163, 0x1e1708d0f84d3de8),
    (-162, 0x1e4ccb0536608d62),
    (-161, 0x1e81fee341fc585c),
    (-156, 0x1f8b758d848fac54),
    (-153, 0x202ad0cc33744e4a),
    (-148, 0x2134756ccb01abfc),
    (-145, 0x21d3faac3e3fa1f4),
    (-143, 0x223f37ad21436d0d),
    (-134, 0x241d12d41afca3c2),
    (-130, 0x24f1bebdf578b2f3),
    (-118, 0x277023998cd10536),
    (-117, 0x27a42c7ff0054684),
    (-116, 0x27d9379fec069827),
    (-115, 0x280f8587e7083e2f),
    (-104, 0x2a56ef5b40c2fc78),
    (-102, 0x2ac1eaff4a98553e),
    (-97, 0x2bcb5733cb32b110),
    (-96, 0x2c0116805effaeab),
    (-91, 0x2d0a12f5a0f4e3e4),
    (-86, 0x2e13e497065cd61e),
    (-81, 0x2f1e5aacf2156839),
    (-76, 0x3027288e1271f514),
    (-74, 0x309217aefe690778),
    (-68, 0x31d1411e1f17e1e2),
    (-56, 0x344f62b0b257c0d1),
    (-48, 0x35f7624f8a762fd9),
    (-44, 0x36cc8b8218854568),
    (-41, 0x376be03d0bf225c6),
    (-36, 0x38754484932d2e73),
    (-34, 0x38e09d8792fb4c4a),
    (-33, 0x3914c4e977ba1f5b),
    (-32, 0x3949f623d5a8a732),
    (-31, 0x398039d66589687f),
    (-30, 0x39b4484bfeebc29f),
    (-28, 0x3a1fb0f6be50601a),
    (-27, 0x3a53ce9a36f23c0f),
    (-23, 0x3b282db34012b252),
    (-21, 0x3b92e3b40a0e9b50),
    (-20, 0x3bc79ca10c924224),
    (-18, 0x3c32725dd1d243ab),
    (-16, 0x3c9cd2b297d889bb),
    (-15, 0x3cd203af9ee75615),
    (-12, 0x3d719799812dea12),
    (-10, 0x3ddb7cdfd9d7bdba),
    (-9, 0x3e112e0be826d694),
    (-7, 0x3e7ad7f29abcaf49),
    (-5, 0x3ee4f8b588e368f0),
    (-1, 0x3fb9999999999999),
    (3, 0x408f400000000001),
    (4, 0x40c3880000000001),
    (7, 0x416312cfffffffff),
    (8, 0x4197d783ffffffff),
    (9, 0x41cdcd64ffffffff),
    (17, 0x4376345785d89fff),
    (22, 0x4480f0cf064dd591),
    (23, 0x44b52d02c7e14af7),
    (24, 0x44ea784379d99db5),
    (31, 0x465f8def8808b025),
    (33, 0x46c8a6e32246c99d),
    (34, 0x46fed09bead87c04),
    (35, 0x4733426172c74d83),
    (36, 0x476812f9cf7920e4),
    (41, 0x48725dfa371a19e6),
    (43, 0x48dcb2d6f618c878),
    (44, 0x4911efc659cf7d4b),
    (45, 0x49466bb7f0435c9f),
    (46, 0x497c06a5ec5433c5),
    (50, 0x4a511b0ec57e649b),
    (53, 0x4af0b46c6cdd6e3f),
    (58, 0x4bf97d4df19d6058),
    (60, 0x4c63e9e4e4c2f345),
    (61, 0x4c98e45e1df3b016),
    (62, 0x4ccf1d75a5709c1a),
    (64, 0x4d384f03e93ff9f4),
    (67, 0x4dd7bd29d1c87a1a),
    (70, 0x4e772ebad6ddc73c),
    (72, 0x4ee21c81f7dd43a8),
    (73, 0x4f16a3a275d49492),
    (74, 0x4f4c4c8b1349b9b6),
    (75, 0x4f81afd6ec0e1412),
    (76, 0x4fb61bcca7119915),
    (77, 0x4feba2bfd0d5ff5a),
    (86, 0x51c9bcdfabc13579),
    (88, 0x52341b8ebe2ef1c8),
    (90, 0x529f6b0f092959c8),
    (92, 0x53088ba3bf284e23),
    (93, 0x533eae8caef261ab),
    (95, 0x53a7f85de8ad5c50),
    (96, 0x53ddf67562d8b362),
    (99, 0x547d42aea2879f2f),
    (101, 0x54e6dc186ef9f45b),
    (104, 0x558652efdc6018a3),
    (105, 0x55bbe7abd3781ecb),
    (107, 0x5625ccfe3d35d80f),
    (108, 0x565b403dcc834e11),
    (111, 0x56fa9cbc59b83a3e),
    (114, 0x5799fd0fef9de8df),
    (118, 0x586fb969f40042c7),
    (119, 0x58a3d3e2388029bc),
    (122, 0x59435ceaeb2d28c2),
    (124, 0x59ae412f0f768fae),
    (126, 0x5a17a2ecc414a040),
    (128, 0x5a827748f9301d31),
    (130, 0x5aecda62055b2d9c),
    (136, 0x5c2b843422e3a84c),
    (138, 0x5c957f48bb41db7b),
    (139, 0x5ccadf1aea12525a),
    (142, 0x5d6a3de04895e46c),
    (145, 0x5e09a06d06e26113),
    (148, 0x5ea906aa78b912cd),
    (149, 0x5edf485516e7577e),
    (152, 0x5f7e8ca3185deb71),
    (153, 0x5fb317e5ef3ab328),
    (154, 0x5fe7dddf6b095ff0),
    (155, 0x601dd55745cbb7ee),
    (156, 0x6052a5568b9f52f3),
    (157, 0x60874eac2e8727b0),
    (158, 0x60bd22573a28f19e),
    (165, 0x62315d847ad00088),
    (166, 0x6265b4e5998400aa),
    (168, 0x62d0f5535fef2085),
    (174, 0x64102c35f729689e),
    (180, 0x654ed8d34e547315),
    (183, 0x65ee1fbe5a7e7862),
    (184, 0x6622d3d6f88f0b3c),
    (185, 0x665788ccb6b2ce0d),
    (186, 0x668d6affe45f8190),
    (187, 0x66c262dfeebbb0fa),
    (188, 0x66f6fb97ea6a9d37),
    (189, 0x672cba7de5054485),
    (190, 0x6761f48eaf234ad3),
    (199, 0x6940b8e0acac4eae),
    (201, 0x69aa20df0dcd3af0),
    (205, 0x6a7fe52048590672),
    (209, 0x6b537798f428562f),
    (211, 0x6bbe6adefd7f06ab),
    (212, 0x6bf302cb5e6f642b),
    (213, 0x6c27c37e360b3d36),
    (214, 0x6c5db45dc38e0c83),
    (219, 0x6d66a9abc9424fea),
    (220, 0x6d9c5416bb92e3e7),
    (222, 0x6e0621b1c28ac20d),
    (223, 0x6e3baa1e332d7290),
    (224, 0x6e714a52dffc679a),
    (225, 0x6ea59ce797fb8180),
    (226, 0x6edb04217dfa61e0),
    (228, 0x6f451b3a2a6b9c77),
    (235, 0x70b9292615c3aa53),
    (238, 0x7158922f31411457),
    (239, 0x718eb6bafd91596a),
    (242, 0x722dfe729b9ff152),
    (244, 0x72976ec98994f488),
    (245, 0x72cd4a7bebfa31aa),
    (247, 0x7336e230d05b76ce),
    (248, 0x736c9abd04725480),
    (251, 0x740bef1c9657a685),
    (254, 0x74ab4781ead1989f),
    (255, 0x74e10cb132c2ff64),
    (260, 0x75ea03fde214caf0),
    (261, 0x7620427ead4cfed7),
    (262, 0x7654531e58a03e8d),
    (264, 0x76bfc1df6a7a61ba),
    (265, 0x76f3d92ba28c7d14),
    (267, 0x775f03542dfb836f),
    (271, 0x7832edc82110c2fa),
    (272, 0x7867a93a2954f3b7),
    (273, 0x789d9388b3aa30a6),
    (276, 0x793ce2137f743381),
    (278, 0x79a6909f3b92c83e),
    (279, 0x79dc34c70a777a4c),
    (282, 0x7a7b8b8a6038ad70),
    (284, 0x7ae585041b2c477e),
    (285, 0x7b1ae64521f7595f),
    (286, 0x7b50cfeb353a97da),
    (288, 0x7bba44df832b8d47),
    (289, 0x7bf06b0bb1fb384b),
    (292, 0x7c9008896bcf54fb),
    (294, 0x7cf90d56b873f4c6),
    (295, 0x7d2f50ac6690f1f9),
    (298, 0x7dce94c85c298c4d),
    (303, 0x7ed754e31cd072db),
    (306, 0x7f76c8e5ca239028),
    (308, 0x7fe1ccf385ebc89f),
];

/// `exp10(k)` for an integral `k`, as the given C library computes it.
fn exp10(k: f64, flavour: Exp10) -> f64 {
    if k > 400.0 {
        return f64::INFINITY;
    }
    if k < -400.0 {
        return 0.0;
    }
    let k = k as i32;
    let exceptions = match flavour {
        Exp10::Glibc236 => GLIBC_EXP10_EXCEPTIONS,
        Exp10::CorrectlyRounded => &[],
    };
    match exceptions.iter().find(|(e, _)| *e == k) {
        Some(&(_, bits)) => f64::from_bits(bits),
        None => format!("1e{k}").parse().unwrap_or(0.0),
    }
}

/// What systemd makes of a JSON number token, if it counts as an unsigned integer.
pub fn systemd_unsigned(token: &str, flavour: Exp10) -> Option<u64> {
    let b = token.as_bytes();
    let mut i = 0;
    let negative = b.first() == Some(&b'-');
    if negative {
        i += 1;
    }
    let (mut is_real, mut x, mut y, mut shift, mut exponent) =
        (false, 0.0f64, 0.0f64, 1.0f64, 0.0f64);
    let (mut signed, mut unsigned): (i64, u64) = (0, 0);
    while let Some(&c) = b.get(i).filter(|c| c.is_ascii_digit()) {
        let d = c - b'0';
        if !is_real {
            if negative {
                match signed
                    .checked_mul(10)
                    .and_then(|t| t.checked_sub(i64::from(d)))
                {
                    Some(v) => signed = v,
                    None => is_real = true,
                }
            } else {
                match unsigned
                    .checked_mul(10)
                    .and_then(|t| t.checked_add(u64::from(d)))
                {
                    Some(v) => unsigned = v,
                    None => is_real = true,
                }
            }
        }
        x = 10.0 * x + f64::from(d);
        i += 1;
    }
    if b.get(i) == Some(&b'.') {
        is_real = true;
        i += 1;
        while let Some(&c) = b.get(i).filter(|c| c.is_ascii_digit()) {
            y = 10.0 * y + f64::from(c - b'0');
            shift *= 10.0;
            i += 1;
        }
    }
    let mut exponent_negative = false;
    if matches!(b.get(i), Some(b'e' | b'E')) {
        is_real = true;
        i += 1;
        match b.get(i) {
            Some(b'-') => {
                exponent_negative = true;
                i += 1;
            }
            Some(b'+') => i += 1,
            _ => {}
        }
        while let Some(&c) = b.get(i).filter(|c| c.is_ascii_digit()) {
            exponent = 10.0 * exponent + f64::from(c - b'0');
            i += 1;
        }
    }
    if !is_real {
        return if negative {
            // Only 0 ("-0") is an unsigned integer too.
            (signed == 0).then_some(0)
        } else {
            Some(unsigned)
        };
    }
    let sign = if negative { -1.0 } else { 1.0 };
    let e = if exponent_negative {
        -exponent
    } else {
        exponent
    };
    let real = (sign * (x + (y / shift))) * exp10(e, flavour);
    if real == 0.0 {
        return Some(0); // the "magic zero" counts as every number type
    }
    if !(0.0..18446744073709551616.0).contains(&real) || real.fract() != 0.0 {
        return None;
    }
    Some(real as u64)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_as_systemd_252_reads_them() {
        for (token, expected) in [
            ("1000", Some(1000)),
            ("1000.0", Some(1000)),
            ("10e2", Some(1000)),
            ("1000e0", Some(1000)),
            ("100000e-2", Some(1000)),
            ("1e3", None),
            ("1E3", None),
            ("1.0e3", None),
            ("1e4", None),
            ("1e5", Some(100000)),
            ("20e-1", None),
            ("2000e-3", Some(2)),
            ("-0", Some(0)),
            ("-0.0", Some(0)),
            ("-5", None),
            ("2.5", None),
            ("18446744073709551615", Some(u64::MAX)),
            ("18446744073709551616", None),
            ("1e19", Some(10_000_000_000_000_000_000)),
            ("2e19", None),
        ] {
            assert_eq!(
                systemd_unsigned(token, Exp10::Glibc236),
                expected,
                "{token}"
            );
        }
    }

    #[test]
    fn numbers_with_a_correctly_rounded_exp10() {
        // Measured with systemd 257's systemd-analyze on Debian 13 (see differential_handwritten).
        for (token, expected) in [
            ("1e3", Some(1000)),
            ("1.0e3", Some(1000)),
            ("20e-1", Some(2)),
            ("15e-1", None),
            ("7e7", Some(70_000_000)),
            ("2e19", None),
        ] {
            assert_eq!(
                systemd_unsigned(token, Exp10::CorrectlyRounded),
                expected,
                "{token}"
            );
        }
    }

    #[test]
    fn first_member_wins() {
        let j = parse(r#"{"a": {"w": 1, "w": 2}, "a": 5, "b\u0041": "x"}"#).unwrap();
        assert_eq!(
            j.get("a")
                .unwrap()
                .get("w")
                .unwrap()
                .as_unsigned(Exp10::Glibc236),
            Some(1)
        );
        assert_eq!(j.get("bA").unwrap().as_str(), Some("x"));
    }
}
