"""The bundled sample portal of the fictional 示例县人民政府, served by `govwatch demo`.

Static UTF-8 HTML in TRS style (columns as folders, articles at ./YYYYMM/tYYYYMMDD_ID.html,
list pages index.html, index_1.html ...). Every date is relative to the as-of date, so the
planted problems (`Portal.planted`) and the traps (`Portal.traps`) hold on any day.
All content is invented; the markup is modelled on real county portals.

Three more columns are published the way real CMSs do it, so a crawler has to understand the
CMS to reach their items (research/gov-cms-patterns.md §1.2, §2.2-2.3):

* 工作动态 /gzdt/ — TRS WCM list pages whose pager exists only as a script (`var countPage` on
  page 0, `createPageHTML(3, i, "index", "html")` on the others);
* 部门动态 /col/col1234/index.html — 大汉 Hanweb JCMS: the first 15 rows inside a
  `<script type="text/xml"><datastore>`, the rest from /module/web/jpage/dataproxy.jsp (answered by
  the demo server from `_dataproxy.json`, GET by page or POST by record range);
* 公示公告 /gsgg/ — an empty list filled in the browser from /gsgg/list.json.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta, timezone
from html import escape
from pathlib import Path

SITE_NAME = "示例县人民政府"
SITE_DOMAIN = "www.example.gov.cn"
SITE_CODE = "3609000001"
ORG_CODE = "11360900MB1234567X"  # 统一社会信用代码, the prefix of every 索引号
OFFICE = "示例县人民政府办公室"
EMAIL = "zwgk@example.gov.cn"
PHONE = "0795-1234567"
PAGE_SIZE = 20
ASSETS = Path(__file__).with_name("assets")

# Fixed URLs of the planted problems and traps (paths relative to the portal root).
DEAD_TOPIC = "/zt/2019/index.html"
DEAD_ATTACHMENT = "/uploads/2026/notice-attachment.pdf"
GONE_POLICY = "/old/policy-2019.html"
REDIRECT = "/redirect-me.html"
REDIRECT_TARGET = "/xwdt/index.html"
FORM_PDF = "/uploads/2026/form.pdf"
LOGO = "/images/logo.png"
ADMIN = "/admin/login.html"
JIUCUO = "/jiucuo.html"
SOFT_404 = "/old/notice-2020.html"  # answers 200 with a 页面不存在 page (soft-404)
BAD_PDF = "/uploads/2026/guide.pdf"  # answers 200 with an HTML error page, not a PDF (bad-attachment)
TRAP_HREFS = ("#top", f"mailto:{EMAIL}", f"tel:{PHONE}", "javascript:void(0)")
META_FIELDS = ("索引号", "发文机关", "发文字号", "成文日期", "发布日期")  # what missing-metadata requires

# The CMS-style columns (工作动态 TRS, 部门动态 Hanweb, 公示公告 JavaScript).
GZDT_DEAD = "/uploads/2026/gzdt-missing.doc"  # only on an article listed on /gzdt/index_2.html
BMDT_DEAD = "/uploads/2026/bmdt-missing.pdf"  # only on an article among dataproxy records 31-45
GSGG_DEAD = "/uploads/2026/gsgg-missing.pdf"  # only on an article of the script-rendered list
GZDT_PAGES = 3  # TRS list pages of 工作动态 (index.html, index_1.html, index_2.html)
GZDT_OLD_COUNT = 9  # the stale countPage inside an HTML comment on /gzdt/index.html
HANWEB_COLUMNID = 1234
HANWEB_UNITID = 5678
HANWEB_WEBID = 1
HANWEB_PER_PAGE = 15
DATAPROXY = "/module/web/jpage/dataproxy.jsp"
JQUERY = "/module/jslib/jquery/jquery.js"
GSGG_JSON = "/gsgg/list.json"


@dataclass(frozen=True)
class Column:
    name: str
    path: str  # folder, e.g. "xwdt"
    category: str  # DESIGN.md column categories
    column_type: str  # national ColumnType meta value
    cms: str = "trs"  # how its list is published: "trs" (plain or script pager), "hanweb", "js"
    link: str | None = None  # the nav link when it is not the folder

    @property
    def url(self) -> str:
        return self.link or f"/{self.path}/"


COLUMNS = (
    Column("要闻动态", "xwdt", "news", "工作动态"),
    Column("通知公告", "tzgg", "notice", "信息公开目录"),
    Column("政策文件", "zcwj", "policy", "政策文件"),
    Column("政策解读", "zcjd", "interpretation", "政策解读"),
    Column("人事信息", "rsxx", "personnel", "信息公开目录"),
    Column("规划计划", "ghjh", "plan", "信息公开目录"),
    Column("机构职能", "jgzn", "static", "机构职能"),
)
GZDT = Column("工作动态", "gzdt", "news", "工作动态")
BMDT = Column("部门动态", f"col/col{HANWEB_COLUMNID}", "news", "工作动态", "hanweb",
              f"/col/col{HANWEB_COLUMNID}/index.html")
GSGG = Column("公示公告", "gsgg", "notice", "信息公开目录", "js")
CMS_COLUMNS = (GZDT, BMDT, GSGG)
NAV_COLUMNS = COLUMNS + CMS_COLUMNS  # the nav bar of every page, in this order
COL = {c.path: c for c in NAV_COLUMNS}


@dataclass(frozen=True)
class Portal:
    files: dict[str, bytes]  # "xwdt/index.html" -> bytes
    routes: dict[str, dict]  # "/old/policy-2019.html" -> {"status": 410}
    planted: list[dict]  # what the audit must find
    traps: list[dict] = field(default_factory=list)  # what it must not report, and why
    columns: list[dict] = field(default_factory=list)  # name, url, category, newest, items
    # what the server's dataproxy.jsp answers: {"1234": {"perpage": 15, "unitid": 5678, "records": [...]}}
    dataproxy: dict[str, dict] = field(default_factory=dict)


@dataclass
class _Doc:
    col: Column
    title: str
    when: datetime
    source: str
    paras: list[str]
    meta: list[tuple[str, str | None]] | None = None  # 信息公开 rows; None value = row absent
    attachments: list[tuple[str, str]] = field(default_factory=list)  # (href, anchor)
    related: list[tuple[str, str, str]] = field(default_factory=list)  # (label, href, anchor)
    docid: int = 0

    @property
    def url(self) -> str:
        if self.col.cms == "hanweb":  # /art/YYYY/M/D/art_COLUMNID_ID.html, month and day not padded
            w = self.when
            return f"/art/{w.year}/{w.month}/{w.day}/art_{HANWEB_COLUMNID}_{self.docid}.html"
        return f"/{self.col.path}/{self.when:%Y%m}/t{self.when:%Y%m%d}_{self.docid}.html"

    @property
    def rel(self) -> str:
        """The href a TRS list page writes: relative to the column folder."""
        return f"./{self.when:%Y%m}/t{self.when:%Y%m%d}_{self.docid}.html"


# ---------------------------------------------------------------- content (invented)

_TIMES = ("09:30", "10:15", "16:20", "08:45", "11:05", "15:40", "17:10")

_NEWS = (
    ("县政府召开常务会议研究部署近期重点工作", "县长刘向东主持召开县政府常务会议，传达学习上级有关会议精神，研究部署安全生产、项目建设和民生保障等近期重点工作。"),
    ("全县重点项目建设推进会召开", "全县重点项目建设推进会在县行政中心召开，会议通报了重点项目进展情况，对存在的问题逐项明确责任单位和完成时限。"),
    ("我县开展安全生产大检查", "县安委会组织应急管理、市场监管、住建等部门组成联合检查组，深入企业、工地和人员密集场所开展安全生产大检查。"),
    ("县领导深入乡镇调研乡村振兴工作", "县委副书记陈立平率队深入青石镇、河口乡等地，实地调研特色产业发展、农村人居环境整治等工作。"),
    ("示例县举办就业援助专场招聘会", "县人力资源和社会保障局在人民广场举办就业援助专场招聘会，五十余家企业提供就业岗位一千二百余个。"),
    ("县政务服务中心推行“一窗通办”改革", "县政务服务中心整合各部门服务窗口，推行“前台综合受理、后台分类审批、统一窗口出件”的服务模式。"),
    ("县市场监管局开展食品安全专项检查", "县市场监督管理局组织执法人员对校园周边、农贸市场和餐饮单位开展食品安全专项检查。"),
    ("我县新建改建农村公路顺利通过交工验收", "县交通运输局组织对新建改建的农村公路进行交工验收，项目建成后将进一步改善沿线群众出行条件。"),
    ("县人大常委会组织视察民生实事项目", "县人大常委会组织部分县人大代表视察全县民生实事项目，实地察看了城区学校扩建、乡镇卫生院改造等项目。"),
    ("县政府与省内高校签订校地合作协议", "县政府与省内一所高校签订校地合作框架协议，双方将在人才培养、科技成果转化和产业规划等方面开展合作。"),
    ("我县举行防汛应急综合演练", "县防汛抗旱指挥部在城南河段组织开展防汛应急综合演练，检验了应急预案的可操作性和部门协同处置能力。"),
    ("县医保局开展医保政策进村入户宣传", "县医疗保障局组织工作人员走进村组和农户家中，面对面讲解城乡居民医保参保缴费和报销政策。"),
    ("示例县召开优化营商环境工作会议", "全县优化营商环境工作会议召开，会议总结了前一阶段工作成效，部署了涉企服务和审批提速等重点任务。"),
    ("县教育体育局开展校园安全隐患排查", "县教育体育局组织专项工作组，对全县中小学校和幼儿园的消防设施、食堂管理和校车运营开展隐患排查。"),
    ("县生态环境局开展重点河道水质监测", "县生态环境局对境内重点河道断面开展水质监测，及时掌握水环境质量变化情况。"),
    ("我县组织开展消防安全知识培训", "县消防救援大队走进机关单位和重点企业，开展消防安全知识培训和灭火器实操演示。"),
    ("县农业农村局推广农业实用新技术", "县农业农村局组织农技人员深入田间地头，向种植大户推广测土配方施肥和病虫害绿色防控技术。"),
    ("示例县开展“送法下乡”普法宣传活动", "县司法局联合各乡镇司法所开展“送法下乡”普法宣传活动，为群众提供法律咨询服务。"),
    ("县卫生健康委组织开展义诊进社区活动", "县卫生健康委员会组织县直医疗机构专家走进城区社区，为居民提供健康咨询和常见病诊疗服务。"),
    ("县政府召开民营企业座谈会", "县政府召开民营企业座谈会，听取企业负责人对融资、用工、用地等方面的意见建议。"),
    ("全县信访工作会议召开", "全县信访工作会议召开，会议要求坚持和发展新时代“枫桥经验”，把矛盾纠纷化解在基层。"),
    ("县文化馆举办群众文艺汇演", "县文化馆举办群众文艺汇演，来自各乡镇的业余文艺团队表演了歌舞、采茶戏等节目。"),
    ("县住建局加快推进老旧小区改造", "县住房和城乡建设局召开老旧小区改造推进会，督促施工单位倒排工期，确保改造工程质量和进度。"),
    ("县统计局开展统计法治宣传活动", "县统计局在城区主要街道设立宣传咨询台，向群众宣传统计法律法规和统计调查知识。"),
    ("县林业局开展林长制巡林工作", "县林业局组织各级林长开展巡林工作，重点检查森林资源保护和松材线虫病防控情况。"),
)

_GENERIC = (
    ("会议强调，各乡镇、各部门要进一步提高思想认识，压紧压实工作责任，确保各项任务按时保质完成。",
     "会议要求，要加强统筹协调和督促检查，对工作推进不力的单位及时通报，推动各项措施落地见效。"),
    ("活动现场，工作人员向群众发放宣传资料，耐心解答群众关心关注的问题。",
     "据统计，本次活动共发放宣传资料三千余份，接受群众咨询四百余人次。"),
    ("据了解，下一步该局将建立长效工作机制，定期开展督促检查，推动工作常态化、制度化。",
     "对检查中发现的问题，检查组当场反馈并下达整改意见，明确整改时限，实行闭环管理。"),
    ("参加活动的干部群众纷纷表示，将以此为契机，进一步增强责任意识，为全县经济社会高质量发展贡献力量。",
     "县直有关部门和各乡镇负责同志参加活动。"),
)

_NOTICES = (
    ("关于开展全县政务公开工作业务培训的通知", "为进一步提升全县政务公开工作水平，经研究，决定举办全县政务公开工作业务培训班。请各乡镇、县直各单位安排政务公开工作负责人和信息员按时参加。", OFFICE),
    ("关于公开招聘社区工作者的公告", "根据工作需要，经研究决定，面向社会公开招聘社区工作者二十名。报考人员须具有示例县户籍或在本县连续居住一年以上，具体报名条件和程序见附件。", "示例县民政局"),
    ("关于调整县政务服务中心窗口办公时间的通告", "为方便企业和群众办事，县政务服务中心自即日起实行工作日午间不间断服务，周六上午设立综合窗口办理部分高频事项。", "示例县政务服务数据管理局"),
    ("关于做好重要节假日期间安全生产工作的通知", "各乡镇人民政府，县政府各部门：为切实做好节假日期间安全生产工作，有效防范各类生产安全事故，现就有关事项通知如下。", OFFICE),
    ("关于征集县政府民生实事项目意见建议的公告", "为广泛听取社会各界意见，县政府决定公开征集下一年度县政府民生实事项目意见建议。欢迎社会各界人士通过电子邮件或信函方式提出意见建议。", OFFICE),
)

# (title, 发文机关, 字号 prefix, 主题分类)
_POLICIES = (
    ("示例县人民政府办公室关于印发《示例县城乡居民医疗救助实施办法》的通知", OFFICE, "示府办发", "卫生、体育\\医药管理"),
    ("示例县人民政府关于印发《示例县政府投资项目管理办法》的通知", SITE_NAME, "示府发", "国民经济管理、国有资产监管\\其他"),
    ("示例县人民政府办公室关于进一步加强农村生活垃圾治理工作的实施意见", OFFICE, "示府办发", "城乡建设、环境保护\\城乡建设"),
    ("示例县人民政府办公室关于印发《示例县促进中小微企业发展若干措施》的通知", OFFICE, "示府办发", "工业、交通\\中小企业"),
    ("示例县人民政府关于公布县级行政许可事项清单的通知", SITE_NAME, "示府发", "综合政务\\政务公开"),
    ("示例县人民政府办公室关于印发《示例县突发事件应急预案管理办法》的通知", OFFICE, "示府办发", "公安、安全、司法\\应急管理"),
)
_POLICY_DAYS = (30, 55, 80, 110, 140, 170)
_DOC_A, _DOC_B, _DOC_GONE = 2, 4, 1  # missing 发文字号 / missing 索引号+成文日期 / links the 410 page
# policies with a 解读: calendar days from the policy to its 解读 (same day, or 21 days later:
# more than 3 working days whatever the holidays), and whether the policy links back to it
_INTERPRETED = {0: (0, True), 1: (0, False), 3: (0, True), 5: (21, True)}
_DOC_LATE_JD, _DOC_ONE_WAY = 5, 1  # interpretation-overdue / interpretation-unlinked (解读 -> policy only)
_DOC_EXPIRED = 3  # still marked 有效 after its 废止日期 (expired-but-valid)
_DOC_BRACKETS = 0  # 发文字号 with [2026] instead of 〔2026〕 (malformed-doc-number)
_RSXX_BACKDATED = 2  # 成文日期 after its 发布日期 (inconsistent-dates)

_PERSONNEL = (
    ("示例县人民政府关于李文军等同志职务任免的通知", "任命李文军为县农业农村局副局长；任命孙丽萍为县统计局副局长；免去何建明的县林业局副局长职务。"),
    ("示例县人民政府关于周晓燕同志任职的通知", "任命周晓燕为县政务服务数据管理局副局长，试用期一年。"),
    ("示例县人民政府关于免去赵国庆同志职务的通知", "因工作调整，免去赵国庆的县交通运输局副局长职务。"),
)
_PERSONNEL_DAYS = (300, 320, 345)

_JGZN = (
    ("主要职责", (
        "执行县人民代表大会及其常务委员会的决议，以及上级国家行政机关的决定和命令，规定行政措施，发布决定和命令。",
        "领导所属各工作部门和下级人民政府的工作，改变或者撤销所属各工作部门不适当的命令、指示和下级人民政府不适当的决定、命令。",
        "执行国民经济和社会发展规划纲要、计划和预算，管理本行政区域内的经济、教育、科学、文化、卫生、体育、城乡建设等事业和生态环境保护、自然资源、财政、民政、社会保障、公安、民族事务、司法行政、人口与计划生育等行政工作。",
        "保护社会主义的全民所有的财产和劳动群众集体所有的财产，保护公民私人所有的合法财产，维护社会秩序，保障公民的人身权利、民主权利和其他权利。",
        "推进政务公开，依法及时准确公开政府信息，回应社会关切，建设法治政府、服务型政府。",
        "办理上级国家行政机关交办的其他事项。",
    )),
    ("工作部门", (
        "县人民政府设办公室、发展和改革委员会、教育体育局、科学技术局、工业和信息化局、公安局、民政局、司法局、财政局、人力资源和社会保障局、自然资源局、生态环境局、住房和城乡建设局、交通运输局、水利局、农业农村局、商务局、文化广电新闻出版旅游局、卫生健康委员会、退役军人事务局、应急管理局、审计局、市场监督管理局、统计局、医疗保障局、林业局等工作部门。",
        "县政务服务数据管理局、县信访局等为县人民政府直属机构。",
    )),
    ("办公地址", (
        "示例县人民政府位于示例县城关镇人民大道一号县行政中心，邮政编码 336000。",
        "办公时间为法定工作日上午八时至十二时、下午二时半至五时半。",
    )),
)

# 工作动态 (TRS): 12 townships x 4 kinds of work = 48 items, interleaved by township
_TOWNS = ("城关镇", "青石镇", "河口乡", "白沙镇", "龙潭乡", "东坪镇", "新村乡", "石门镇", "桥头乡", "双溪镇", "柳塘乡", "南岭镇")
_TOWN_WORK = (
    ("召开重点工作推进会", "召开重点工作推进会，逐项梳理年度目标任务完成情况，对进度滞后的事项明确责任人和完成时限。"),
    ("开展人居环境集中整治行动", "组织机关干部和村组保洁员开展人居环境集中整治行动，重点清理房前屋后和沟渠河道的积存垃圾。"),
    ("开展矛盾纠纷排查化解工作", "组织综治、司法和村（社区）干部开展矛盾纠纷拉网式排查，对排查出的问题逐一登记、限期化解。"),
    ("举办农村实用技术培训班", "邀请县农业技术推广中心专家授课，围绕特色种植、畜禽养殖和农产品电商销售开展实用技术培训。"),
)
# 部门动态 (Hanweb): 15 departments x 3 kinds of work = 45 records
_DEPTS = ("县发展和改革委员会", "县教育体育局", "县科学技术局", "县工业和信息化局", "县民政局", "县司法局", "县财政局",
          "县人力资源和社会保障局", "县自然资源局", "县生态环境局", "县住房和城乡建设局", "县交通运输局", "县水利局",
          "县农业农村局", "县商务局")
_DEPT_WORK = (
    ("召开党风廉政建设工作会议", "召开党风廉政建设工作会议，通报近期廉政风险排查情况，对重点岗位和关键环节提出具体防控要求。"),
    ("开展“政务服务进基层”活动", "组织业务骨干走进乡镇便民服务中心，现场指导高频事项办理，收集群众和企业办事中遇到的问题。"),
    ("组织干部职工参加业务知识培训", "组织全体干部职工参加业务知识培训，围绕政策法规、业务流程和信息公开等内容进行集中学习。"),
)
# 公示公告 (JavaScript list): (title, text, source)
_GSGG = (
    ("关于拟推荐县级劳动模范候选人的公示", "经各单位推荐、县总工会审核，现将拟推荐的县级劳动模范候选人名单予以公示。", "示例县总工会"),
    ("示例县城区道路改造工程房屋征收范围公告", "因城区道路改造工程建设需要，现将房屋征收范围予以公告，范围内暂停办理相关审批手续。", "示例县住房和城乡建设局"),
    ("关于县级非物质文化遗产代表性项目拟入选名单的公示", "经专家评审和县非物质文化遗产保护工作领导小组审议，现将拟入选项目名单予以公示。", "示例县文化广电新闻出版旅游局"),
    ("示例县城乡最低生活保障对象调整情况公示", "根据城乡最低生活保障动态管理有关规定，现将本季度保障对象调整情况予以公示。", "示例县民政局"),
    ("关于县级文明单位拟命名名单的公示", "经申报、考核和县文明委审议，现将拟命名的县级文明单位名单予以公示。", "示例县精神文明建设委员会办公室"),
    ("示例县公共租赁住房分配结果公示", "根据公共租赁住房分配管理办法，经资格审核和公开摇号，现将本批次分配结果予以公示。", "示例县住房和城乡建设局"),
)
_GZDT_DAYS = lambda i: 3 + 2 * i  # noqa: E731  newest 3 days before as_of
_BMDT_DAYS = lambda i: 5 + 2 * i  # noqa: E731  newest 5 days before as_of
_GSGG_DAYS = lambda i: 10 + 9 * i  # noqa: E731  newest 10 days before as_of
# A second site of the demo's sites file that never answers (port 9, discard, is closed on
# ordinary machines): the availability probes find it down (site-unreachable).
UNREACHABLE_SITE, UNREACHABLE_URL = "示例县档案馆", "http://127.0.0.1:9/"
TYPO = "中华人民共合国"  # for 中华人民共和国 (wording-error)
_TYPO_NEWS = 7
_NO_SOURCE_META = "rsxx"  # articles without <meta name="ContentSource"> (missing-site-identity)

# 县长信箱 (an interaction column listed in the demo's sites file): (days before as_of the
# message was left, days until its reply or None). Day 100 unanswered is the planted
# message-unanswered; day 20 is not late yet; day 420 is outside the one-year window.
MAILBOX = Column("县长信箱", "hdjl/xzxx", "interaction", "互动交流")
_MESSAGES = (
    ("关于城区老旧小区加装电梯的咨询", 6, 2), ("青石镇至河口乡公交班次能否增加", 20, None),
    ("咨询新生儿医保参保办理流程", 45, 3), ("反映白沙镇农贸市场周边占道经营问题", 100, None),
    ("关于县城停车位收费标准的建议", 150, 5), ("咨询农村建房审批需要哪些材料", 230, 4),
    ("建议在人民广场增设无障碍设施", 300, 9), ("咨询创业担保贷款申请条件", 420, None),
)
_LATE_MESSAGE = 3

_GZDT_DEAD_ROW, _BMDT_DEAD_ROW, _GSGG_DEAD_ROW = 43, 37, 2  # 0-based rows: list page 3, record 38, item 3

_CSS = """body{margin:0;font:14px/1.8 "Microsoft YaHei",SimSun,sans-serif;color:#333}
.header{background:#c8102e;color:#fff;padding:10px 40px}.header img{vertical-align:middle}
.site-name{font-size:28px;font-weight:bold;margin-left:12px}.header .tools a{color:#fff;float:right}
.nav ul{margin:0;padding:0 40px;background:#a50d25;list-style:none;overflow:hidden}
.nav li{float:left}.nav a{display:block;padding:8px 18px;color:#fff;text-decoration:none}
.position,.main{margin:10px 40px}.list{list-style:none;padding:0}.list li{border-bottom:1px dashed #ddd}
.list .date{float:right;color:#888}.info{color:#888;text-align:center}h1{text-align:center;font-size:22px}
.xxgk-table{width:100%;border-collapse:collapse}.xxgk-table td{border:1px solid #ccc;padding:4px 8px}
.page{text-align:center;margin:16px}.footer{background:#eee;text-align:center;padding:12px;margin-top:24px}
"""


# ---------------------------------------------------------------- building the documents


def _at(d: date, i: int) -> datetime:
    return datetime.combine(d, time.fromisoformat(_TIMES[i % len(_TIMES)]))


def _cn(d: date) -> str:
    return f"{d.year}年{d.month:02d}月{d.day:02d}日"


def _md(d: date) -> str:
    return f"{d.month}月{d.day}日"


def _build_docs(as_of: date) -> dict[str, list[_Doc]]:
    docs: dict[str, list[_Doc]] = {c.path: [] for c in COLUMNS}
    day = lambda n: as_of - timedelta(days=n)  # noqa: E731

    # 要闻动态: 25 items every third day, newest yesterday (fresh trap; 2 list pages)
    for i, (title, lead) in enumerate(_NEWS):
        when = _at(day(1 + 3 * i), i)
        g = _GENERIC[i % len(_GENERIC)]
        docs["xwdt"].append(_Doc(COL["xwdt"], title, when, "示例县融媒体中心" if i % 2 else OFFICE,
                                 [f"{_md(when.date())}，{lead}", *g]))
    news = docs["xwdt"]
    news[2].attachments.append((FORM_PDF, "附件：报名表（空白表格）.pdf"))  # existing PDF: trap
    news[4].attachments.append((DEAD_ATTACHMENT, "附件：报名表.pdf"))  # planted 404
    news[_TYPO_NEWS].paras.insert(1, f"会议要求，要认真贯彻落实《{TYPO}安全生产法》，压紧压实各方责任。")  # planted typo

    # 通知公告: 5 items, newest 200 days ago -> stale (6-month limit)
    for i, ((title, text, src), n) in enumerate(zip(_NOTICES, (200, 215, 240, 270, 310))):
        when = _at(day(n), i + 2)
        docs["tzgg"].append(_Doc(COL["tzgg"], title, when, src,
                                 [text, f"特此{title[-2:]}。", f"{src}　{_cn(when.date())}"]))
    docs["tzgg"][1].attachments.append((DEAD_ATTACHMENT, "附件下载"))  # same planted 404
    docs["tzgg"][2].attachments.append((BAD_PDF, "附件：办事指南.pdf"))  # planted: HTML behind a .pdf
    docs["tzgg"][3].related.append(("往期通知：", SOFT_404, "2020年度同类通知"))  # planted soft-404

    # 政策文件: 6 documents with a 信息公开 table; A and B are incomplete
    for i, ((title, organ, prefix, topic), n) in enumerate(zip(_POLICIES, _POLICY_DAYS)):
        pub = _at(day(n), i + 4)
        signed = pub.date() - timedelta(days=3 + i % 3)
        number = f"{prefix}〔{signed.year}〕{18 - 2 * i}号"
        if i == _DOC_BRACKETS:
            number = f"{prefix}[{signed.year}]{18 - 2 * i}号"
        index = f"{ORG_CODE}/{pub.year}-{120 - 7 * i:05d}"
        meta: list[tuple[str, str | None]] = [
            ("索 引 号：" if i % 2 else "索\u2002引\u2002号：", "" if i == _DOC_B else index),
            ("主题分类：", topic),
            ("发文机关：", organ),
            ("成文日期：", None if i == _DOC_B else _cn(signed)),
            ("标\u3000\u3000题：", title),
            ("发文字号：" if i % 2 else "发 文 字 号：", "" if i == _DOC_A else number),
            ("发布日期：", _cn(pub.date()) if i % 2 else pub.date().isoformat()),
            ("有\u3000效\u3000性：", "有效"),
        ]
        if i == _DOC_EXPIRED:
            meta.append(("废止日期：", _cn(as_of - timedelta(days=5))))
        name = title.split("《")[1].split("》")[0] if "《" in title else "本意见"
        paras = ["各乡镇人民政府，县政府各部门：",
                 f"《{name}》已经县人民政府同意，现印发给你们，请结合实际认真贯彻执行。" if "《" in title
                 else "为进一步做好相关工作，经县人民政府同意，现提出如下意见，请认真贯彻落实。",
                 "各单位要加强组织领导，明确责任分工，认真抓好贯彻落实，执行中遇到的问题请及时向县人民政府反映。",
                 f"{organ}", _cn(signed) if i != _DOC_B else "", "（此件主动公开）"]
        doc = _Doc(COL["zcwj"], title, pub, organ, [p for p in paras if p], meta)
        if i == _DOC_GONE:
            doc.related.append(("本办法施行后，原办法同时废止。", GONE_POLICY, "原政策文件（已废止）"))
        docs["zcwj"].append(doc)

    # 政策解读: no metadata table; most published the same day as their policy
    for k, (i, (delay, _)) in enumerate(_INTERPRETED.items()):
        pol = docs["zcwj"][i]
        name = pol.title.split("《")[1].split("》")[0]
        paras = [f"近日，{pol.meta[2][1]}印发了《{name}》。为便于社会公众了解相关内容，现解读如下。",
                 "一、出台背景。为贯彻落实上级有关决策部署，结合本县实际，在广泛征求意见的基础上制定本文件。",
                 "二、主要内容。文件明确了适用范围、工作原则、主要措施和保障机制，细化了各部门职责分工。",
                 "三、实施时间。文件自印发之日起施行。政策咨询部门为县人民政府办公室，联系电话见本站页脚。"]
        interp = _Doc(COL["zcjd"], f"《{name}》政策解读", pol.when + timedelta(days=delay, minutes=30 + 5 * k),
                      pol.meta[2][1] or OFFICE, paras)
        interp.related.append(("相关文件：", "", pol.title))  # hrefs filled after docids
        pol.related.append(("相关解读：", "", interp.title))
        docs["zcjd"].append(interp)

    # 人事信息: 3 complete documents, newest 300 days ago (1-year limit: not stale)
    for i, ((title, text), n) in enumerate(zip(_PERSONNEL, _PERSONNEL_DAYS)):
        pub = _at(day(n), i + 3)
        signed = pub.date() + timedelta(days=3) if i == _RSXX_BACKDATED else pub.date() - timedelta(days=2)
        meta = [("索 引 号：", f"{ORG_CODE}/{pub.year}-{40 - 3 * i:05d}"), ("主题分类：", "综合政务\\人事"),
                ("发文机关：", SITE_NAME), ("成文日期：", _cn(signed)), ("标\u3000\u3000题：", title),
                ("发文字号：", f"示府字〔{signed.year}〕{9 - 2 * i}号"), ("发布日期：", _cn(pub.date()))]
        docs["rsxx"].append(_Doc(COL["rsxx"], title, pub, SITE_NAME,
                                 ["各乡镇人民政府，县政府各部门：", f"经县人民政府研究决定：{text}",
                                  SITE_NAME, _cn(signed)], meta))

    # Stable TRS-like docids: ascending with publication time across the site.
    everything = sorted((d for ds in docs.values() for d in ds), key=lambda d: (d.when, d.col.path, d.title))
    for n, d in enumerate(everything):
        d.docid = 1001 + n
    for (i, (_, linked_back)), interp in zip(_INTERPRETED.items(), docs["zcjd"]):
        pol = docs["zcwj"][i]
        if linked_back:
            pol.related[-1] = ("相关解读：", interp.url, interp.title)
        else:
            pol.related.pop()
        interp.related[-1] = ("相关文件：", pol.url, pol.title)
    return docs


def _build_cms_docs(as_of: date) -> dict[str, list[_Doc]]:
    """工作动态, 部门动态 and 公示公告, newest first. Own docid ranges (2001+, 4001+, 3001+, newest
    first) so the other columns' URLs do not move."""
    day = lambda n: as_of - timedelta(days=n)  # noqa: E731
    gzdt, bmdt, gsgg = [], [], []
    for i in range(len(_TOWNS) * len(_TOWN_WORK)):
        town, (work, lead) = _TOWNS[i % len(_TOWNS)], _TOWN_WORK[i // len(_TOWNS)]
        when = _at(day(_GZDT_DAYS(i)), i)
        gzdt.append(_Doc(GZDT, f"{town}{work}", when, f"{town}人民政府",
                         [f"{_md(when.date())}，{town}{lead}", *_GENERIC[i % len(_GENERIC)]], docid=2001 + i))
    gzdt[_GZDT_DEAD_ROW].attachments.append((GZDT_DEAD, "附件：申报表.doc"))  # planted 404
    for i in range(len(_DEPTS) * len(_DEPT_WORK)):
        dept, (work, lead) = _DEPTS[i % len(_DEPTS)], _DEPT_WORK[i // len(_DEPTS)]
        when = _at(day(_BMDT_DAYS(i)), i + 1)
        bmdt.append(_Doc(BMDT, f"{dept}{work}", when, f"示例{dept}",
                         [f"{_md(when.date())}，{dept}{lead}", *_GENERIC[(i + 1) % len(_GENERIC)]], docid=4001 + i))
    bmdt[_BMDT_DEAD_ROW].attachments.append((BMDT_DEAD, "附件：通知原文.pdf"))  # planted 404
    for i, (title, text, src) in enumerate(_GSGG):
        when = _at(day(_GSGG_DAYS(i)), i + 2)
        gsgg.append(_Doc(GSGG, title, when, src,
                         [text, "公示期为自发布之日起五个工作日。公示期间，如有异议，请以书面形式向发布单位反映，"
                                "反映情况须实事求是，并提供联系方式。", f"{src}　{_cn(when.date())}"], docid=3001 + i))
    gsgg[_GSGG_DEAD_ROW].attachments.append((GSGG_DEAD, "附件：公示名单.pdf"))  # planted 404
    return {GZDT.path: gzdt, BMDT.path: bmdt, GSGG.path: gsgg}


# ---------------------------------------------------------------- rendering


def _page(as_of: date, title: str, main: str, metas: dict[str, str] | None = None,
          position: list[tuple[str, str]] | None = None, extra_tools: str = "") -> bytes:
    m = {"SiteName": SITE_NAME, "SiteDomain": SITE_DOMAIN, "SiteIDCode": SITE_CODE, **(metas or {})}
    head_metas = "\n".join(f'<meta name="{k}" content="{escape(v)}">' for k, v in m.items())
    nav = "".join(f'<li><a href="{c.url}">{c.name}</a></li>' for c in NAV_COLUMNS)
    pos = ""
    if position:
        crumbs = " &gt; ".join(f'<a href="{u}">{escape(t)}</a>' for t, u in position)
        pos = f'<div class="position">当前位置：<a href="/">首页</a> &gt; {crumbs}</div>\n'
    html = f"""<!DOCTYPE html>
<html lang="zh-CN">
<head>
<meta charset="utf-8">
<meta http-equiv="X-UA-Compatible" content="IE=edge">
<title>{escape(title)}</title>
{head_metas}
<meta name="Maketime" content="{as_of.isoformat()} 03:00:00">
<link rel="stylesheet" href="/css/main.css">
</head>
<body>
<div id="top" class="header">
<a href="/"><img src="{LOGO}" alt="{SITE_NAME}" width="64" height="64"></a><span class="site-name">{SITE_NAME}</span>
<span class="tools"><a href="javascript:void(0)">加入收藏</a>{extra_tools}</span>
</div>
<div class="nav"><ul><li><a href="/">首页</a></li>{nav}</ul></div>
{pos}<div class="main">
{main}
</div>
<div class="footer">
<p><a href="{JIUCUO}">我为政府网站找错</a> | <a href="mailto:{EMAIL}">联系我们</a> | <a href="#top">返回顶部</a></p>
<p>主办单位：{OFFICE}　承办单位：示例县政务服务数据管理局</p>
<p><span id="_ideConac"><img id="imgConac" src="{LOGO}" alt="党政机关网站标识"></span></p>
<p>网站标识码：{SITE_CODE}　<span class="icp">赣ICP备12345678号</span>　<span class="gaba">赣公网安备 36092202000123号</span></p>
<p>联系电话：<a href="tel:{PHONE}">{PHONE}</a>　电子邮箱：{EMAIL}</p>
</div>
</body>
</html>
"""
    return html.encode("utf-8")


def _short(title: str, n: int = 26) -> str:
    return title if len(title) <= n else title[:n] + "…"


def _item(href: str, d: _Doc) -> str:
    t = escape(d.title)
    return f'<li><a href="{href}" title="{t}">{escape(_short(d.title))}</a><span class="date">{d.when:%Y-%m-%d}</span></li>'


def trs_pager(count: int, cur: int) -> str:
    name = lambda i: "index.html" if i == 0 else f"index_{i}.html"  # noqa: E731  TRS: page 2 is index_1
    parts = [f"共{count}页", f'<a href="{name(0)}">首页</a>']
    if cur > 0:
        parts.append(f'<a href="{name(cur - 1)}">上一页</a>')
    parts += [f'<span class="current">{i + 1}</span>' if i == cur else f'<a href="{name(i)}">{i + 1}</a>'
              for i in range(count)]
    if cur < count - 1:
        parts.append(f'<a href="{name(cur + 1)}">下一页</a>')
    parts.append(f'<a href="{name(count - 1)}">尾页</a>')
    return f'<div class="page">{" ".join(parts)}</div>'


def _list_pages(as_of: date, col: Column, docs: list[_Doc]) -> dict[str, bytes]:
    docs = sorted(docs, key=lambda d: d.when, reverse=True)
    chunks = [docs[i:i + PAGE_SIZE] for i in range(0, len(docs), PAGE_SIZE)] or [[]]
    out = {}
    for p, chunk in enumerate(chunks):
        items = "\n".join(_item(f"./{d.when:%Y%m}/t{d.when:%Y%m%d}_{d.docid}.html", d) for d in chunk)
        items = items or '<li class="empty">暂无信息</li>'
        main = (f'<div class="column-title"><h2>{col.name}</h2></div>\n<ul class="list">\n{items}\n</ul>\n'
                f"{trs_pager(len(chunks), p)}")
        metas = {"ColumnName": col.name, "ColumnType": col.column_type, "ColumnDescription": col.name}
        out[f"{col.path}/{'index.html' if p == 0 else f'index_{p}.html'}"] = _page(
            as_of, f"{col.name} - {SITE_NAME}", main, metas, [(col.name, col.url)])
    return out


def _xxgk_table(meta: list[tuple[str, str | None]]) -> str:
    rows, pair = [], []
    for label, value in meta:
        if value is None:  # the row is absent altogether
            continue
        cells = f'<td class="label">{label}</td><td>{escape(value)}</td>'
        if label.startswith("标"):  # title spans the whole row, as on gov.cn
            rows.append(f'<tr><td class="label">{label}</td><td colspan="3">{escape(value)}</td></tr>')
            continue
        pair.append(cells)
        if len(pair) == 2:
            rows.append(f"<tr>{''.join(pair)}</tr>")
            pair = []
    if pair:
        rows.append("<tr>" + pair[0].replace("<td>", '<td colspan="3">', 1) + "</tr>")
    body = "\n".join(rows)
    return f'<table class="xxgk-table" cellspacing="0" cellpadding="0">\n{body}\n</table>'


def _article(as_of: date, d: _Doc) -> bytes:
    when = d.when.strftime("%Y-%m-%d %H:%M")
    paras = "\n".join(f"<p>{escape(p)}</p>" for p in d.paras)
    extra = ""
    for label, href, anchor in d.related:
        extra += f'<p class="related">{escape(label)}<a href="{href}">{escape(anchor)}</a></p>\n'
    if d.attachments:
        extra += "".join(f'<p class="attachment"><a href="{h}">{escape(a)}</a></p>\n' for h, a in d.attachments)
    table = _xxgk_table(d.meta) + "\n" if d.meta else ""
    main = (f"{table}<h1>{escape(d.title)}</h1>\n"
            f'<div class="info">发布时间：{when}　来源：{escape(d.source)}</div>\n'
            f'<div class="TRS_Editor" id="zoom">\n{paras}\n</div>\n{extra}')
    metas = {"ColumnName": d.col.name, "ArticleTitle": d.title, "PubDate": when, "ContentSource": d.source}
    if d.col.path == _NO_SOURCE_META:  # planted: these templates lost their ContentSource tag
        del metas["ContentSource"]
    return _page(as_of, f"{d.title} - {SITE_NAME}", main, metas, [(d.col.name, d.col.url)])


def _home(as_of: date, docs: dict[str, list[_Doc]]) -> bytes:
    news = "\n".join(_item(d.url, d) for d in docs["xwdt"][:6])
    notices = "\n".join(_item(d.url, d) for d in docs["tzgg"])
    policies = "\n".join(_item(d.url, d) for d in docs["zcwj"][:4])
    xxgk = "".join(f'<li><a href="{c.url}">{c.name}</a></li>' for c in COLUMNS if c.path not in ("xwdt", "tzgg"))
    main = f"""<div class="block news"><h2><a href="/xwdt/">要闻动态</a></h2><a class="more" href="/xwdt/">更多&gt;&gt;</a>
<ul class="list">
{news}
</ul></div>
<div class="block notice"><h2><a href="/tzgg/">通知公告</a></h2><a class="more" href="/tzgg/">更多&gt;&gt;</a>
<ul class="list">
{notices}
</ul></div>
<div class="block policy"><h2><a href="/zcwj/">政策文件</a></h2>
<ul class="list">
{policies}
</ul></div>
<div class="block xxgk"><h2>政府信息公开</h2><ul>{xxgk}</ul></div>
<div class="block zt"><h2>专题专栏</h2><ul>
<li><a href="{DEAD_TOPIC}">2019年专题（已撤销）</a></li>
<li><a href="{REDIRECT}">要闻动态（旧版入口）</a></li>
</ul></div>
<div class="block service"><h2>政务服务</h2><ul>
<li><a href="mailto:{EMAIL}">政务公开邮箱</a></li>
<li><a href="tel:{PHONE}">政务服务热线 {PHONE}</a></li>
<li><a href="{FORM_PDF}">办事表格下载</a></li>
<li><a href="{MAILBOX.url}">{MAILBOX.name}</a></li>
</ul></div>"""
    return _page(as_of, SITE_NAME, main, extra_tools=f' <a href="{ADMIN}">网站管理</a>')


def _jgzn(as_of: date) -> bytes:
    col = COL["jgzn"]
    sections = "\n".join(f"<h3>{h}</h3>\n" + "\n".join(f"<p>{escape(p)}</p>" for p in ps) for h, ps in _JGZN)
    main = f'<h1>{col.name}</h1>\n<div class="TRS_Editor">\n<p>{SITE_NAME}是县人民代表大会的执行机关，是县级国家行政机关，对县人民代表大会及其常务委员会和上一级人民政府负责并报告工作。</p>\n{sections}\n</div>'
    return _page(as_of, f"{col.name} - {SITE_NAME}", main,
                 {"ColumnName": col.name, "ColumnType": col.column_type}, [(col.name, col.url)])


def _message_url(k: int, left: date) -> str:
    return f"/{MAILBOX.path}/{left:%Y%m}/t{left:%Y%m%d}_{9001 + k}.html"


def _mailbox(as_of: date) -> dict[str, bytes]:
    """县长信箱: a table with a header row (标题|留言时间|办理状态|回复时间) and a page per message."""
    rows, files = [], {}
    for k, (title, ago, reply_after) in enumerate(_MESSAGES):
        left = as_of - timedelta(days=ago)
        replied = None if reply_after is None else left + timedelta(days=reply_after)
        url = _message_url(k, left)
        state = "已回复" if replied else "办理中"
        rows.append(f'<tr><td><a href="{url}">{escape(title)}</a></td><td>{left.isoformat()}</td>'
                    f'<td>{state}</td><td>{replied.isoformat() if replied else ""}</td></tr>')
        answer = (f"<h3>回复内容</h3>\n<p>您好！您反映的问题已转相关部门办理，现答复如下：经核实，相关部门已制定工作方案并"
                  f"将于近期落实。感谢您的关注。</p>\n<p>回复单位：{OFFICE}　回复时间：{_cn(replied)}</p>"
                  if replied else "<p>该留言正在办理中。</p>")
        main = (f"<h1>{escape(title)}</h1>\n<table class=\"xxgk-table\"><tr><td>留言时间</td><td>{_cn(left)}</td>"
                f"<td>办理状态</td><td>{state}</td></tr></table>\n<div class=\"TRS_Editor\"><p>县长您好，{escape(title)}，"
                f"盼予答复。</p></div>\n{answer}")
        metas = {"ColumnName": MAILBOX.name, "ArticleTitle": title, "PubDate": f"{left} 09:00", "ContentSource": "网民留言"}
        files[url[1:]] = _page(as_of, f"{title} - {SITE_NAME}", main, metas, [(MAILBOX.name, MAILBOX.url)])
    table = ("<table class=\"xxgk-table\">\n<thead><tr><th>标题</th><th>留言时间</th><th>办理状态</th><th>回复时间</th></tr>"
             "</thead>\n<tbody>\n" + "\n".join(rows) + "\n</tbody>\n</table>")
    main = f'<div class="column-title"><h2>{MAILBOX.name}</h2></div>\n{table}'
    files[f"{MAILBOX.path}/index.html"] = _page(as_of, f"{MAILBOX.name} - {SITE_NAME}", main, _list_metas(MAILBOX),
                                                [(MAILBOX.name, MAILBOX.url)])
    return files


def _error_page() -> bytes:
    """What a CMS answers, with status 200, for a page or file it no longer has."""
    return ("<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\"><title>页面不存在</title></head>\n"
            "<body><div class=\"error\"><h1>抱歉，您访问的页面不存在或已被删除！</h1>"
            "<p><a href=\"/\">返回首页</a></p></div></body></html>\n").encode("utf-8")


def _jiucuo(as_of: date) -> bytes:
    main = (f"<h1>我为政府网站找错</h1>\n<p>欢迎社会公众对{SITE_NAME}门户网站存在的错别字、链接无法访问、"
            "信息更新不及时、办事服务不好用等问题进行监督。</p>\n"
            f'<p>请将问题页面的网址和问题描述发送至 <a href="mailto:{EMAIL}">{EMAIL}</a>，'
            "我们将在三个工作日内核实处理并予以答复。</p>\n<p>感谢您对政府网站建设的关心和支持。</p>")
    return _page(as_of, f"我为政府网站找错 - {SITE_NAME}", main)


# ---------------------------------------------------------------- CMS-style columns

# TRS WCM, page 0: the classic inline pager (research §1.2). The string literals split the hrefs
# ("index"+"_"+i+"."+"html") as TRS templates do, so no link is visible before the script runs.
_TRS_CLASSIC = """<script type="text/javascript">
var currentPage = 0;//所在页从0开始
var prevPage = currentPage-1//上一页
var nextPage = currentPage+1//下一页
var countPage = %(count)d//共多少页
//共计多少页
document.write("共"+"&nbsp;<span class='count'>"+countPage+"</span>&nbsp;"+"页&nbsp;");
//首页
document.write("<a href=\\"index."+"html\\">首页</a>&nbsp;");
//上一页
if(countPage>1&&currentPage>1)
document.write("<a href=\\"index"+"_"+prevPage+"."+"html\\">上一页</a>&nbsp;");
else if(countPage>1&&currentPage==1)
document.write("<a href=\\"index."+"html\\">上一页</a>&nbsp;");
else
document.write("上一页&nbsp;");
//页码
for(var i=0;i<countPage;i++){
if(i==currentPage)
document.write("<span class='current'>"+(i+1)+"</span>&nbsp;");
else if(i==0)
document.write("<a href=\\"index."+"html\\">"+(i+1)+"</a>&nbsp;");
else
document.write("<a href=\\"index"+"_"+i+"."+"html\\">"+(i+1)+"</a>&nbsp;");
}
//下一页
if(countPage>1&&currentPage!=(countPage-1))
document.write("<a href=\\"index"+"_"+nextPage+"."+"html\\">下一页</a>&nbsp;");
else
document.write("下一页&nbsp;");
//尾页
if(countPage!=1)
document.write("<a href=\\"index"+"_"+(countPage-1)+"."+"html\\">尾页</a>");
else
document.write("尾页");
</script>"""

# TRS WCM, other pages: the function form, defined in the page and called once.
_TRS_FUNCTION = """<script type="text/javascript">
function createPageHTML(_nPageCount, _nCurrIndex, _sPageName, _sPageExt){
	if(_nPageCount == null || _nPageCount <= 1){
		return;
	}
	var nCurrIndex = _nCurrIndex || 0;
	var pageName = function(i){
		return (i == 0 ? _sPageName : (_sPageName + "_" + i)) + "." + _sPageExt;
	};
	document.write("共" + _nPageCount + "页&nbsp;");
	document.write("<a href=\\"" + pageName(0) + "\\">首页</a>&nbsp;");
	if(nCurrIndex > 0)
		document.write("<a href=\\"" + pageName(nCurrIndex - 1) + "\\">上一页</a>&nbsp;");
	for(var i = 0; i < _nPageCount; i++){
		if(i == nCurrIndex)
			document.write("<span class='current'>" + (i + 1) + "</span>&nbsp;");
		else
			document.write("<a href=\\"" + pageName(i) + "\\">" + (i + 1) + "</a>&nbsp;");
	}
	if(nCurrIndex < _nPageCount - 1)
		document.write("<a href=\\"" + pageName(nCurrIndex + 1) + "\\">下一页</a>&nbsp;");
	document.write("<a href=\\"" + pageName(_nPageCount - 1) + "\\">尾页</a>");
}
createPageHTML(%(count)d, %(cur)d, "index", "html");
</script>"""


def _list_metas(col: Column) -> dict[str, str]:
    return {"ColumnName": col.name, "ColumnType": col.column_type, "ColumnDescription": col.name}


def _gzdt_pages(as_of: date, docs: list[_Doc]) -> dict[str, bytes]:
    """工作动态: TRS list pages, rows with ./YYYYMM/ hrefs, the pager only as a script."""
    col, out = GZDT, {}
    chunks = [docs[i:i + PAGE_SIZE] for i in range(0, len(docs), PAGE_SIZE)]
    assert len(chunks) == GZDT_PAGES
    for p, chunk in enumerate(chunks):
        rows = "\n".join(f'<li><a href="{d.rel}" title="{escape(d.title)}">{escape(_short(d.title))}</a>'
                         f"<span>{d.when:%Y-%m-%d}</span></li>" for d in chunk)
        if p == 0:  # an old pager left in a comment: its count is not the real one
            pager = (f"<!-- <script>var countPage = {GZDT_OLD_COUNT}</script> -->\n"
                     + _TRS_CLASSIC % {"count": len(chunks)})
        else:
            pager = _TRS_FUNCTION % {"count": len(chunks), "cur": p}
        main = (f'<div class="column-title"><h2>{col.name}</h2></div>\n<ul class="list">\n{rows}\n</ul>\n'
                f'<div class="page">\n{pager}\n</div>')
        out[f"{col.path}/{'index.html' if p == 0 else f'index_{p}.html'}"] = _page(
            as_of, f"{col.name} - {SITE_NAME}", main, _list_metas(col), [(col.name, col.url)])
    return out


def hanweb_record(d: _Doc) -> str:
    """One row of a Hanweb datastore (the CDATA content of a <record>)."""
    t = escape(d.title)  # quotes escaped too: the attribute is single-quoted, as Hanweb writes it
    return f"<li><a href='{d.url}' title='{t}'>{escape(_short(d.title))}</a><span>{d.when:%Y-%m-%d}</span></li>"


def _hanweb_ajax_param() -> str:
    return (f"{{col:1,appid:1,webid:{HANWEB_WEBID},path:'/',columnid:{HANWEB_COLUMNID},sourceContentType:1,"
            f"unitid:{HANWEB_UNITID},webname:'{SITE_NAME}',permissiontype:0}}")


def _hanweb_list(as_of: date, docs: list[_Doc]) -> bytes:
    """部门动态: no visible rows; the first group in a text/xml datastore, then the jpage call."""
    col, uid = BMDT, HANWEB_UNITID
    nextgroup = (f"{DATAPROXY}?page=1&appid=1&webid={HANWEB_WEBID}&path=/&columnid={HANWEB_COLUMNID}"
                 f"&unitid={uid}&webname={SITE_NAME}&permissiontype=0")
    records = "".join(f"<record><![CDATA[{hanweb_record(d)}]]></record>\n" for d in docs[:HANWEB_PER_PAGE])
    main = f"""<div class="column-title"><h2>{col.name}</h2></div>
<div class="list-box">
<div id="{uid}"><script type="text/xml"><datastore>
<nextgroup><![CDATA[<a href="{nextgroup}"></a>]]></nextgroup>
<recordset>
{records}</recordset>
</datastore></script></div>
</div>
<script type="text/javascript" src="{JQUERY}"></script>
<script type="text/javascript">
$('#{uid}').jpage({{
	dataStore: document.getElementById('{uid}').getElementsByTagName('script')[0].text,
	proxyUrl:'{DATAPROXY}',
	totalRecord:{len(docs)},
	perPage:{HANWEB_PER_PAGE},
	groupSize:1,
	ajaxParam:{_hanweb_ajax_param()}
}});
</script>"""
    return _page(as_of, f"{col.name} - {SITE_NAME}", main, _list_metas(col), [(col.name, col.url)])


_GSGG_SCRIPT = """<script type="text/javascript">
window.addEventListener('load', function () {
	fetch('%s').then(function (r) { return r.json(); }).then(function (data) {
		var ul = document.getElementById('list');
		(data.items || []).forEach(function (it) {
			var li = document.createElement('li'), a = document.createElement('a'), span = document.createElement('span');
			a.href = it.url;
			a.title = it.title;
			a.textContent = it.title;
			span.className = 'date';
			span.textContent = it.date;
			li.appendChild(a);
			li.appendChild(span);
			ul.appendChild(li);
		});
	});
});
</script>"""


def _gsgg_list(as_of: date) -> bytes:
    """公示公告: an empty list that a script fills from list.json after load."""
    col = GSGG
    main = (f'<div class="column-title"><h2>{col.name}</h2></div>\n<ul class="list" id="list"></ul>\n'
            + _GSGG_SCRIPT % GSGG_JSON)
    return _page(as_of, f"{col.name} - {SITE_NAME}", main, _list_metas(col), [(col.name, col.url)])


def _gsgg_json(docs: list[_Doc]) -> bytes:
    items = [{"title": d.title, "url": d.url, "date": d.when.date().isoformat()} for d in docs]
    data = {"column": GSGG.name, "total": len(items), "items": items}
    return (json.dumps(data, ensure_ascii=False, indent=1) + "\n").encode("utf-8")


# ---------------------------------------------------------------- 政务新媒体 accounts

# Three accounts read the way monitors read them (research §6): a WeChat account through a
# WeChat-to-RSS feed, a Weibo account through its container API, and one WeChat account by
# its article pages. The Weibo account is silent for 20 days (account-stale); one WeChat
# post has a typo and a dead attachment link.
WECHAT_FEED, WEIBO_FEED, WECHAT_PAGE = "/feeds/wechat.xml", "/feeds/weibo.json", "/mp/s/demo-article.html"
ACCOUNTS = (
    {"name": "示例县发布", "platform": "wechat", "feed": WECHAT_FEED, "owner": "县融媒体中心"},
    {"name": "示例县政务微博", "platform": "weibo", "feed": WEIBO_FEED, "owner": "县融媒体中心"},
    {"name": "示例县融媒", "platform": "wechat", "pages": [WECHAT_PAGE], "owner": "县融媒体中心"},
)
ACCOUNT_TYPO = "秸杆"  # for 秸秆
POST_DEAD = "/uploads/2026/wechat-missing.pdf"
_TZ = "+0800"
_POSTS = (
    ("县政府召开秋冬季秸秆禁烧工作部署会", "会议要求各乡镇落实网格化巡查，严禁露天焚烧秸杆，推进综合利用。"),
    ("我县举行重点项目集中开工仪式", "本次集中开工项目12个，涵盖产业、基础设施和民生领域。"),
    ("示例县开展消防安全宣传月活动", "活动深入社区、学校和企业，普及火灾预防和逃生自救知识。"),
    ("县人社局发布冬季招聘会信息", "招聘会将于本月下旬在人民广场举行，欢迎求职者参加。"),
)


def _rss(as_of: date, news: list[_Doc]) -> bytes:
    items = []
    for k, (title, text) in enumerate(_POSTS):
        when = _at(as_of - timedelta(days=1 + 2 * k), k)
        extra = (f'<p>原文链接：<a href="{news[k].url}">{escape(news[k].title)}</a></p>'
                 + (f'<p><a href="{POST_DEAD}">附件：禁烧责任清单.pdf</a></p>' if k == 0 else ""))
        items.append(f"""<item>
<title>{escape(title)}</title>
<link>https://mp.weixin.qq.com/s/demo-wechat-{k + 1}</link>
<guid isPermaLink="false">demo-wechat-{k + 1}</guid>
<pubDate>{when:%a, %d %b %Y %H:%M:%S} {_TZ}</pubDate>
<description><![CDATA[<p>{escape(text)}</p>{extra}]]></description>
</item>""")
    return (f"""<?xml version="1.0" encoding="UTF-8"?>
<rss version="2.0"><channel>
<title>示例县发布</title>
<link>https://mp.weixin.qq.com/</link>
<description>示例县人民政府办公室官方微信公众号（WeChat-to-RSS）</description>
{chr(10).join(items)}
</channel></rss>
""").encode("utf-8")


def _weibo(as_of: date) -> bytes:
    def card(k: int, days: int, text: str, top: bool = False) -> dict:
        when = _at(as_of - timedelta(days=days), k)
        mblog = {"created_at": f"{when:%a %b %d %H:%M:%S} {_TZ} {when:%Y}", "id": f"50{k:014d}", "bid": f"Demo{k}",
                 "text": text, "source": "微博 weibo.com", "user": {"id": 7000000001, "screen_name": "示例县政务微博"}}
        if top:
            mblog["isTop"] = 1
        return {"card_type": 9, "itemid": f"1076037000000001_-_50{k:014d}", "mblog": mblog}

    cards = [card(0, 3, "【置顶】示例县政务服务热线12345，24小时受理群众诉求。", top=True),
             card(1, 20, "#示例县# 县图书馆冬季开放时间调整为每日9:00至17:00。"),
             card(2, 26, "示例县2026年秋季征兵体检工作顺利完成。"),
             {"card_type": 11, "card_group": []}]
    data = {"ok": 1, "data": {"cardlistInfo": {"containerid": "1076037000000001", "since_id": "5000", "total": 3},
                              "cards": cards}}
    return (json.dumps(data, ensure_ascii=False, indent=1) + "\n").encode("utf-8")


def _wechat_article(as_of: date) -> bytes:
    when = _at(as_of - timedelta(days=3), 2)
    ct = int(datetime.combine(when.date(), when.time(), tzinfo=timezone(timedelta(hours=8))).timestamp())
    return f"""<!DOCTYPE html>
<html><head><meta charset="utf-8"><meta property="og:title" content="示例县举办农民丰收节">
<title>示例县举办农民丰收节</title></head>
<body><h1 class="rich_media_title" id="activity-name">示例县举办农民丰收节</h1>
<div id="js_content" class="rich_media_content"><p>丰收节活动在青石镇举行，展示了全县特色农产品。</p></div>
<script>var nickname = "示例县融媒";
var user_name = "gh_demo0000001";
var msg_title = "示例县举办农民丰收节";
var ct = "{ct}";
</script></body></html>
""".encode("utf-8")


# ---------------------------------------------------------------- public API


def _calendar_knows(*days: date) -> bool:
    import chinese_calendar

    try:
        return all(chinese_calendar.is_workday(d) in (True, False) for d in days)
    except NotImplementedError:
        return False


def build_portal(as_of: date) -> Portal:
    """The whole portal for one as-of date. Pure and deterministic."""
    docs = _build_docs(as_of)
    for ds in docs.values():
        ds.sort(key=lambda d: d.when, reverse=True)
    files: dict[str, bytes] = {
        "index.html": _home(as_of, docs),
        "robots.txt": b"User-agent: *\nDisallow: /admin/\n",
        "css/main.css": _CSS.encode("utf-8"),
        LOGO[1:]: (ASSETS / "logo.png").read_bytes(),
        FORM_PDF[1:]: (ASSETS / "form.pdf").read_bytes(),
        JIUCUO[1:]: _jiucuo(as_of),
        SOFT_404[1:]: _error_page(),
        BAD_PDF[1:]: _error_page(),
        "jgzn/index.html": _jgzn(as_of),
    }
    for col in COLUMNS:
        if col.category == "static":
            continue
        files.update(_list_pages(as_of, col, docs[col.path]))
        for d in docs[col.path]:
            files[d.url[1:]] = _article(as_of, d)

    cms = _build_cms_docs(as_of)
    gzdt, bmdt, gsgg = cms[GZDT.path], cms[BMDT.path], cms[GSGG.path]
    files.update(_gzdt_pages(as_of, gzdt))
    files.update(_mailbox(as_of))
    files[WECHAT_FEED[1:]] = _rss(as_of, docs["xwdt"])
    files[WEIBO_FEED[1:]] = _weibo(as_of)
    files[WECHAT_PAGE[1:]] = _wechat_article(as_of)
    files[BMDT.url[1:]] = _hanweb_list(as_of, bmdt)
    files[JQUERY[1:]] = (ASSETS / "jquery.js").read_bytes()
    files[f"{GSGG.path}/index.html"] = _gsgg_list(as_of)
    files[GSGG_JSON[1:]] = _gsgg_json(gsgg)
    for d in (*gzdt, *bmdt, *gsgg):
        files[d.url[1:]] = _article(as_of, d)
    dataproxy = {str(HANWEB_COLUMNID): {"perpage": HANWEB_PER_PAGE, "unitid": HANWEB_UNITID,
                                        "records": [hanweb_record(d) for d in bmdt]}}

    routes = {GONE_POLICY: {"status": 410}, REDIRECT: {"status": 301, "location": REDIRECT_TARGET}}

    news, notice, pol = docs["xwdt"], docs["tzgg"], docs["zcwj"]
    by_title = {d.title: d for d in pol}
    doc_a, doc_b, gone = (by_title[_POLICIES[i][0]] for i in (_DOC_A, _DOC_B, _DOC_GONE))
    dead_att_pages = [d.url for ds in (news, notice) for d in ds if any(h == DEAD_ATTACHMENT for h, _ in d.attachments)]
    planted = [
        {"rule": "dead-link", "url": DEAD_TOPIC, "column": None, "pages": ["/"], "detail": {"status": 404}},
        {"rule": "dead-link", "url": DEAD_ATTACHMENT, "column": None, "pages": dead_att_pages, "detail": {"status": 404}},
        {"rule": "dead-link", "url": GONE_POLICY, "column": None, "pages": [gone.url], "detail": {"status": 410}},
        {"rule": "stale-column", "url": "/tzgg/", "column": "通知公告", "pages": [], "detail": {}},
        {"rule": "blank-column", "url": "/ghjh/", "column": "规划计划", "pages": [], "detail": {}},
        {"rule": "missing-metadata", "url": doc_a.url, "column": "政策文件", "pages": [], "detail": {"missing": ["发文字号"]}},
        {"rule": "missing-metadata", "url": doc_b.url, "column": "政策文件", "pages": [], "detail": {"missing": ["索引号", "成文日期"]}},
        # reachable only through the TRS script pager (/gzdt/index_2.html)
        {"rule": "dead-link", "url": GZDT_DEAD, "column": None, "pages": [gzdt[_GZDT_DEAD_ROW].url], "detail": {"status": 404}},
        # reachable only through dataproxy.jsp (page 3 / records 31-45)
        {"rule": "dead-link", "url": BMDT_DEAD, "column": None, "pages": [bmdt[_BMDT_DEAD_ROW].url], "detail": {"status": 404}},
        # reachable only through the list a script renders from /gsgg/list.json
        {"rule": "dead-link", "url": GSGG_DEAD, "column": None, "pages": [gsgg[_GSGG_DEAD_ROW].url], "detail": {"status": 404},
         "needs_browser": True},
    ]

    interps = dict(zip(_INTERPRETED, docs["zcjd"]))
    late_jd, one_way = interps[_DOC_LATE_JD], interps[_DOC_ONE_WAY]
    expired = by_title[_POLICIES[_DOC_EXPIRED][0]]
    message = _MESSAGES[_LATE_MESSAGE]
    typo_key = hashlib.sha1(TYPO.encode()).hexdigest()[:8]
    bracketed = by_title[_POLICIES[_DOC_BRACKETS][0]]
    backdated = next(d for d in docs["rsxx"] if d.title == _PERSONNEL[_RSXX_BACKDATED][0])
    planted += [
        {"rule": "soft-404", "url": SOFT_404, "column": None, "pages": [notice[3].url], "detail": {}},
        {"rule": "bad-attachment", "url": BAD_PDF, "column": None, "pages": [notice[2].url], "detail": {}},
        {"rule": "malformed-doc-number", "url": bracketed.url, "column": "政策文件", "pages": [], "detail": {}},
        {"rule": "inconsistent-dates", "url": backdated.url, "column": "人事信息", "pages": [], "detail": {}},
    ]
    planted += [
        {"rule": "wording-error", "url": f"{news[_TYPO_NEWS].url}#wording-{typo_key}", "column": "要闻动态", "pages": [],
         "detail": {"wrong": TYPO, "right": "中华人民共和国"}},
        {"rule": "expired-but-valid", "url": expired.url, "column": "政策文件", "pages": [], "detail": {}},
        {"rule": "interpretation-unlinked", "url": one_way.url, "column": "政策解读", "pages": [], "detail": {}},
        {"rule": "message-unanswered", "url": _message_url(_LATE_MESSAGE, as_of - timedelta(days=message[1])),
         "column": MAILBOX.name, "pages": [], "detail": {}, "severity": "veto"},
        # 人事信息 is configured `schedule: quarterly` in the demo's sites file
        {"rule": "schedule-overdue", "url": "/rsxx/", "column": "人事信息", "pages": [], "detail": {}},
        # the 人事信息 articles lack <meta name="ContentSource">
        {"rule": "missing-site-identity", "url": "/", "column": None, "pages": [], "detail": {}},
    ]
    typo_post = hashlib.sha1(ACCOUNT_TYPO.encode()).hexdigest()[:8]
    planted += [
        {"rule": "account-stale", "site": ACCOUNTS[1]["name"], "url": WEIBO_FEED, "column": None, "pages": [],
         "detail": {}, "severity": "veto"},
        {"rule": "wording-error", "site": ACCOUNTS[0]["name"], "url": f"https://mp.weixin.qq.com/s/demo-wechat-1#wording-{typo_post}",
         "column": None, "pages": [], "detail": {"wrong": ACCOUNT_TYPO, "right": "秸秆"}},
        {"rule": "dead-link", "site": ACCOUNTS[0]["name"], "url": POST_DEAD, "column": None,
         "pages": ["https://mp.weixin.qq.com/s/demo-wechat-1"], "detail": {"status": 404}},
    ]
    planted.append({"rule": "site-unreachable", "site": UNREACHABLE_SITE, "url": UNREACHABLE_URL, "column": None,
                    "pages": [], "detail": {}, "severity": "veto"})
    policy_day = by_title[_POLICIES[_DOC_LATE_JD][0]].when.date()
    if _calendar_knows(policy_day, late_jd.when.date()):  # else the check notes the unknown year
        planted.append({"rule": "interpretation-overdue", "url": late_jd.url, "column": "政策解读", "pages": [],
                        "detail": {}})
    if as_of > date(as_of.year, 3, 31):  # the government's overall 年报 of last year is due 31 March
        planted.append({"rule": "annual-report-overdue", "url": f"/#annual-report-{as_of.year - 1}", "column": None,
                        "pages": [], "detail": {}})

    link_rules = ["dead-link"]
    traps = [
        {"url": REDIRECT, "rules": link_rules, "why": f"301 to {REDIRECT_TARGET}, an existing page (at most a link-redirected warning)"},
        {"url": FORM_PDF, "rules": ["dead-link", "bad-attachment"], "why": "existing, valid PDF attachment"},
        {"url": LOGO, "rules": ["dead-link", "bad-attachment"], "why": "existing PNG logo on every page"},
        {"url": ADMIN, "rules": link_rules, "why": "disallowed by robots.txt, so never checked (the file does not exist)"},
        *({"url": h, "rules": link_rules, "why": "fragment / mailto / tel / javascript: not an HTTP link"} for h in TRAP_HREFS),
        {"url": "/xwdt/", "rules": ["stale-column", "blank-column"], "why": "newest item 1 day before as_of; 2 list pages"},
        {"url": "/zcwj/", "rules": ["stale-column", "blank-column"], "why": "newest document 30 days before as_of"},
        {"url": "/zcjd/", "rules": ["stale-column", "blank-column"], "why": "interpretations are fresh"},
        {"url": "/rsxx/", "rules": ["stale-column", "blank-column"], "why": "newest item 300 days before as_of; personnel limit is 1 year"},
        {"url": "/jgzn/", "rules": ["stale-column", "blank-column"], "why": "static single page (机构职能) without list or dates"},
        {"url": "/tzgg/", "rules": ["blank-column"], "why": "stale, not blank"},
        {"url": "/ghjh/", "rules": ["stale-column"], "why": "a column that never had an item is blank-column only"},
        {"url": GZDT.url, "rules": ["stale-column", "blank-column"],
         "why": f"TRS column, {len(gzdt)} items on {GZDT_PAGES} list pages, newest 3 days before as_of; the pager "
                "exists only as a script (var countPage on page 0, createPageHTML on the others)"},
        *({"url": f"/gzdt/index_{i}.html", "rules": link_rules,
           "why": f"an old <script>var countPage = {GZDT_OLD_COUNT}</script> inside an HTML comment on /gzdt/index.html; "
                  f"the live pager says {GZDT_PAGES} pages, so this page is never linked (it does not exist)"}
          for i in range(GZDT_PAGES, GZDT_OLD_COUNT)),
        {"url": BMDT.url, "rules": ["stale-column", "blank-column"],
         "why": f"Hanweb column: no visible rows, the first {HANWEB_PER_PAGE} records sit in a "
                f"<script type=\"text/xml\"> datastore and the rest come from {DATAPROXY}; "
                f"{len(bmdt)} records, newest 5 days before as_of"},
        {"url": DATAPROXY, "rules": ["dead-link", "bad-attachment"],
         "why": "Hanweb list endpoint: XML for GET ?page=N&columnid=... and POST ?startrecord=&endrecord=&perpage= "
                "(form body with columnid); an unknown or missing columnid gives an empty datastore, not an error"},
        {"url": JQUERY, "rules": ["dead-link", "bad-attachment"], "why": "existing script referenced by the Hanweb list page"},
        {"url": GSGG.url, "rules": ["stale-column", "blank-column"],
         "why": f"the list is rendered by a script from {GSGG_JSON} (6 items, newest 10 days before as_of); "
                "without a browser the column is unread, not blank"},
        {"url": GSGG_JSON, "rules": ["dead-link", "bad-attachment"], "why": "existing JSON the 公示公告 page fetches"},
        {"url": "/", "rules": ["homepage-stale", "missing-site-identity"], "why": "home shows yesterday's news; footer has 标识码, ICP, 公网安备, 主办单位"},
        {"url": "*", "rules": [], "why": f"<meta name=\"Maketime\" content=\"{as_of} 03:00:00\"> on every page is generation time, not a publication date"},
        *({"url": d.url, "rules": ["missing-metadata", "interpretation-overdue", "interpretation-unlinked"],
           "why": "政策解读 needs no metadata table; published the same day as its policy, linked both ways"} for d in docs["zcjd"]),
        *({"url": d.url, "rules": ["missing-metadata", "malformed-doc-number", "inconsistent-dates"],
           "why": "complete 信息公开 table (labels with odd spaces, dates as 年月日)"}
          for d in [*pol, *docs["rsxx"]] if d not in (doc_a, doc_b)),
    ]
    columns = [{"name": c.name, "url": c.url, "category": c.category,
                "newest": docs[c.path][0].when.date().isoformat() if docs.get(c.path) else None,
                "items": len(docs.get(c.path, []))} for c in COLUMNS]
    columns += [{"name": c.name, "url": c.url, "category": c.category, "cms": c.cms,
                 "newest": cms[c.path][0].when.date().isoformat(), "items": len(cms[c.path])} for c in CMS_COLUMNS]
    return Portal(files=files, routes=routes, planted=planted, traps=traps, columns=columns, dataproxy=dataproxy)


def write_portal(root: Path, as_of: date) -> Portal:
    """Write the portal under root (overwriting only its own files) plus _routes.json, _planted.json
    and _dataproxy.json (what the server's Hanweb dataproxy.jsp answers).

    Files written for an earlier as-of date and no longer part of the portal are removed (listed in
    _manifest.json), so old article URLs do not linger; other files in root are left alone.
    """
    root = Path(root)
    portal = build_portal(as_of)
    root.mkdir(parents=True, exist_ok=True)
    manifest = root / "_manifest.json"
    if manifest.exists():
        try:
            old = set(json.loads(manifest.read_text("utf-8")))
        except (ValueError, TypeError):
            old = set()
        for rel in old - set(portal.files):
            p = root / rel
            if ".." not in Path(rel).parts and p.is_file():
                p.unlink()
    for rel, data in portal.files.items():
        p = root / rel
        p.parent.mkdir(parents=True, exist_ok=True)
        p.write_bytes(data)
    dump = lambda obj: json.dumps(obj, ensure_ascii=False, indent=1) + "\n"  # noqa: E731
    (root / "_routes.json").write_text(dump(portal.routes), "utf-8")
    (root / "_planted.json").write_text(dump(portal.planted), "utf-8")
    (root / "_dataproxy.json").write_text(dump(portal.dataproxy), "utf-8")
    manifest.write_text(dump(sorted(portal.files)), "utf-8")
    return portal
