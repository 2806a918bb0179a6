package syncengine

// person is everything a generated record of any kind says about one doctor,
// as indexes into the value lists below; fill derives it from (seed, i) alone.
type person struct {
	seed, i                          uint64
	first, last, admin               uint32
	programme, owner, membership     uint32
	db, tcsDB                        uint32
	gmcStatus, tisStatus, notice     uint32
	placement, current, connection   uint32
	submission, updated, curriculumE int32 // days since 1970-01-01
	tcsPersonID                      uint64
	existsInGmc                      bool
}

// rng is splitmix64: a few cycles a draw and good enough spread for test data.
type rng uint64

func (r *rng) next() uint64 {
	*r += 0x9e3779b97f4a7c15
	z := uint64(*r)
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9
	z = (z ^ (z >> 27)) * 0x94d049bb133111eb
	return z ^ (z >> 31)
}

// pick2 draws two values in [0, n) and [0, m) from one 64-bit draw, by
// multiply-shift (no division).
func (r *rng) pick2(n, m int) (uint32, uint32) {
	x := r.next()
	return uint32((x & 0xffffffff) * uint64(n) >> 32), uint32((x >> 32) * uint64(m) >> 32)
}

// Date ranges, in days since 1970-01-01.
const (
	day2022 = 18993 // 2022-01-01
	day2025 = 20089 // 2025-01-01
)

func (p *person) fill(seed uint64, i int64) {
	p.seed, p.i = seed, uint64(i)
	r := rng(seed*0xd1b54a32d192ed03 ^ uint64(i))
	r.next()
	p.first, p.last = r.pick2(len(firstNames), len(lastNames))
	p.admin, p.programme = r.pick2(len(admins), len(programmes))
	p.owner, p.membership = r.pick2(len(owners), len(membershipTypes))
	p.db, p.tcsDB = r.pick2(len(designatedBodies), len(designatedBodies))
	if r.next()&3 != 0 { // mostly the same body in both systems
		p.tcsDB = p.db
	}
	p.gmcStatus, p.tisStatus = r.pick2(len(gmcStatuses), len(tisStatuses))
	p.notice, p.placement = r.pick2(len(underNotices), len(grades))
	p.current, p.connection = r.pick2(len(grades), len(connectionStatuses))
	sub, upd := r.pick2(3*365, 120)
	p.submission = day2022 + int32(sub)
	p.updated = p.submission + int32(upd)
	cur, id := r.pick2(6*365, 900_000)
	p.curriculumE = day2025 + int32(cur)
	p.tcsPersonID = 100_000 + uint64(id)
	p.existsInGmc = r.next()%10 != 0
}

// appendValue appends the value v of the person, without quotes.
func (p *person) appendValue(b []byte, v value) []byte {
	switch v {
	case vGMC:
		return appendGMC(b, p.seed, int64(p.i))
	case vFirst:
		return append(b, firstNames[p.first]...)
	case vLast:
		return append(b, lastNames[p.last]...)
	case vSubmission:
		return appendDate(b, p.submission)
	case vProgramme:
		return append(b, programmes[p.programme]...)
	case vMembership:
		return append(b, membershipTypes[p.membership]...)
	case vDB:
		return append(b, designatedBodies[p.db]...)
	case vTcsDB:
		return append(b, designatedBodies[p.tcsDB]...)
	case vGmcStatus:
		return append(b, gmcStatuses[p.gmcStatus]...)
	case vTisStatus:
		return append(b, tisStatuses[p.tisStatus]...)
	case vAdmin:
		return append(append(b, admins[p.admin]...), "@hee.nhs.uk"...)
	case vUpdated:
		return appendDate(b, p.updated)
	case vNotice:
		return append(b, underNotices[p.notice]...)
	case vOwner:
		return append(b, owners[p.owner]...)
	case vCurriculum:
		return appendDate(b, p.curriculumE)
	case vPlacement:
		return append(b, grades[p.placement]...)
	case vCurrentGrade:
		return append(b, grades[p.current]...)
	case vExists:
		if p.existsInGmc {
			return append(b, "true"...)
		}
		return append(b, "false"...)
	case vTcsPerson:
		return appendUint(b, p.tcsPersonID)
	case vConnection:
		return append(b, connectionStatuses[p.connection]...)
	}
	return b
}

// gmcSpan is the 7-digit range that starts at 1000000; ids below it (leading
// zero) are used only past the first 9 million records.
const (
	gmcSpan = 9_000_000
	// gmcMul is coprime with gmcSpan (odd, not a multiple of 3 or 5), so
	// i ↦ (gmcMul·i + offset) mod gmcSpan is a permutation: ids look scattered
	// yet never repeat.
	gmcMul = 8_435_761
)

// appendGMC appends the seven digits of record i's gmcReferenceNumber.
func appendGMC(dst []byte, seed uint64, i int64) []byte {
	var n uint64
	if u := uint64(i); u < gmcSpan {
		r := rng(seed ^ 0x6a09e667f3bcc909)
		off := r.next() % gmcSpan
		n = 1_000_000 + (gmcMul*u+off)%gmcSpan
	} else {
		n = u - gmcSpan // 0000000…0999999 for records 9M…10M-1
	}
	var d [7]byte
	for k := 6; k >= 0; k-- {
		d[k] = byte('0' + n%10)
		n /= 10
	}
	return append(dst, d[:]...)
}

func appendUint(dst []byte, v uint64) []byte {
	var d [20]byte
	k := len(d)
	for {
		k--
		d[k] = byte('0' + v%10)
		v /= 10
		if v == 0 {
			break
		}
	}
	return append(dst, d[k:]...)
}

// appendDate appends days since 1970-01-01 (not before it) as yyyy-MM-dd,
// by Howard Hinnant's civil_from_days in unsigned arithmetic, where dividing
// by a constant is a multiply and a shift.
func appendDate(dst []byte, days int32) []byte {
	z := uint32(days) + 719468
	era := z / 146097
	doe := z - era*146097
	yoe := (doe - doe/1460 + doe/36524 - doe/146096) / 365
	y := yoe + era*400
	doy := doe - (365*yoe + yoe/4 - yoe/100)
	mp := (5*doy + 2) / 153
	d := doy - (153*mp+2)/5 + 1
	m := mp + 3
	if mp >= 10 {
		m = mp - 9
		y++
	}
	hi, lo := y/100, y%100
	return append(dst,
		byte('0'+hi/10), byte('0'+hi%10), byte('0'+lo/10), byte('0'+lo%10), '-',
		byte('0'+m/10), byte('0'+m%10), '-',
		byte('0'+d/10), byte('0'+d%10))
}

var firstNames = [...]string{
	"Aisha", "Alexander", "Amelia", "Amir", "Anna", "Arjun", "Beatrice", "Benjamin",
	"Catherine", "Charlotte", "Chloe", "Chukwuemeka", "Daniel", "David", "Eleanor", "Elizabeth",
	"Emily", "Emma", "Fatima", "Freya", "George", "Grace", "Hannah", "Harry",
	"Isabella", "Jack", "James", "Jessica", "Joseph", "Kwame", "Laura", "Liam",
	"Lucy", "Mohammed", "Noah", "Olivia", "Oliver", "Priya", "Rachel", "Rahul",
	"Rebecca", "Samuel", "Sarah", "Siobhan", "Sophie", "Thomas", "William", "Zara",
}

var lastNames = [...]string{
	"Adeyemi", "Ahmed", "Ali", "Baker", "Begum", "Brown", "Campbell", "Chen",
	"Clarke", "Davies", "Edwards", "Evans", "Fernandes", "Green", "Hall", "Harris",
	"Hughes", "Hussain", "Jackson", "James", "Johnson", "Jones", "Kaur", "Khan",
	"Lewis", "Martin", "Mensah", "Morgan", "Murphy", "Nguyen", "O'Brien", "Okafor",
	"Patel", "Roberts", "Robinson", "Shah", "Singh", "Smith", "Taylor", "Thomas",
	"Thompson", "Walker", "Ward", "White", "Williams", "Wilson", "Wood", "Wright",
}

// admins are local parts of admin emails (domain hee.nhs.uk).
var admins = [...]string{
	"alex.morgan", "bella.shah", "chris.evans", "dana.okafor", "ed.nguyen", "fiona.walker",
	"gareth.jones", "helen.patel", "imran.khan", "julia.wright", "kate.murphy", "lee.chen",
	"maya.singh", "nick.hall", "olu.adeyemi", "paula.green",
}

var programmes = [...]string{
	"General Practice", "Acute Care Common Stem - Acute Medicine", "Anaesthetics",
	"Cardiology", "Clinical Radiology", "Core Medical Training", "Core Surgical Training",
	"Emergency Medicine", "Foundation Programme", "Gastroenterology", "General Surgery",
	"Geriatric Medicine", "Histopathology", "Obstetrics and Gynaecology", "Ophthalmology",
	"Paediatrics", "Psychiatry", "Respiratory Medicine", "Trauma and Orthopaedic Surgery",
	"Urology",
}

var owners = [...]string{
	"Health Education England East Midlands", "Health Education England East of England",
	"Health Education England Kent, Surrey and Sussex", "Health Education England North Central and East London",
	"Health Education England North East", "Health Education England North West",
	"Health Education England North West London", "Health Education England South London",
	"Health Education England South West", "Health Education England Thames Valley",
	"Health Education England Wessex", "Health Education England West Midlands",
	"Health Education England Yorkshire and the Humber",
}

var membershipTypes = [...]string{
	"SUBSTANTIVE", "SUBSTANTIVE", "SUBSTANTIVE", "SUBSTANTIVE", "LAT", "FTSTA", "VISITOR", "MILITARY",
}

var designatedBodies = [...]string{
	"1-AIIDR8", "1-AIIDWA", "1-AIIDVS", "1-AIIDWI", "1-AIIDSA", "1-AIIDWT", "1-AIIDSI",
	"1-AIIDH1", "1-AIIDQQ", "1-AIIDMY", "1-AIIDMQ", "1-AIIDHJ", "1-AIIDNQ",
}

var gmcStatuses = [...]string{"Approved", "Approved", "Approved", "Rejected", "Under Review", "Under Review"}

var tisStatuses = [...]string{
	"NOT_STARTED", "STARTED", "READY_TO_REVIEW", "READY_TO_SUBMIT", "SUBMITTED_TO_GMC", "COMPLETED", "DRAFT",
}

var underNotices = [...]string{"NO", "NO", "NO", "NO", "NO", "YES", "YES", "ON_HOLD"}

var grades = [...]string{
	"Foundation Year 1", "Foundation Year 2", "Core Training Year 1", "Core Training Year 2",
	"Specialty Training Year 1", "Specialty Training Year 2", "Specialty Training Year 3",
	"Specialty Training Year 4", "Specialty Training Year 5", "Specialty Training Year 6",
	"GP Specialty Training Year 1", "GP Specialty Training Year 2", "GP Specialty Training Year 3",
}

var connectionStatuses = [...]string{"Yes", "Yes", "Yes", "Yes", "No"}
